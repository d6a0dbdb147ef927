package dev.codermon.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both transports reach a unix socket: epoll with its own domain socket channel, NIO (the fallback where
 * epoll cannot load) with Java's; and a socket file that is missing fails the connect at once.
 */
class TransportTest {

    private Path dir;

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory("transport-test");
    }

    @AfterEach
    void deleteDirectory() throws IOException {
        Files.deleteIfExists(dir.resolve("s.sock"));
        Files.delete(dir);
    }

    @Test
    void epoll_is_what_this_machine_uses() {
        // Linux x86_64 with the native library on the class path: the NIO case below is only a fallback.
        assertTrue(Epoll.isAvailable(), String.valueOf(Epoll.unavailabilityCause()));
        assertEquals(Transport.EPOLL, Transport.detect());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void each_transport_exchanges_bytes_over_a_unix_socket(Transport transport) throws Exception {
        Path socket = dir.resolve("s.sock");
        EventLoopGroup group = transport.newGroup(1);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            CompletableFuture<String> reply = new CompletableFuture<>();
            Channel channel = connect(transport, group, socket.toString(), reply).sync().channel();
            if (transport == Transport.EPOLL) {
                assertTrue(channel instanceof DomainSocketChannel, channel.getClass().getName());
            }
            try (SocketChannel accepted = server.accept()) {
                channel.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
                InputStream in = Channels.newInputStream(accepted);
                assertEquals("ping", new String(in.readNBytes(4), StandardCharsets.US_ASCII));
                OutputStream out = Channels.newOutputStream(accepted);
                out.write("pong".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals("pong", reply.get(5, TimeUnit.SECONDS));
            }
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void a_missing_socket_fails_the_connect(Transport transport) throws Exception {
        EventLoopGroup group = transport.newGroup(1);
        try {
            ChannelFuture future = connect(transport, group, dir.resolve("s.sock").toString(),
                    new CompletableFuture<>());
            assertTrue(future.await(5, TimeUnit.SECONDS), "the connect did not finish");
            assertFalse(future.isSuccess());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static ChannelFuture connect(Transport transport, EventLoopGroup group, String path,
            CompletableFuture<String> reply) {
        return new Bootstrap().group(group).channelFactory(transport.upstreamChannelFactory()).disableResolver()
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                reply.complete(msg.toString(StandardCharsets.US_ASCII));
                            }
                        });
                    }
                })
                .connect(transport.upstreamAddress(path));
    }
}
