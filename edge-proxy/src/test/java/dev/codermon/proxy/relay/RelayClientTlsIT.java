package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import dev.codermon.proxy.upstream.UpstreamUnreachable;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy whose own certificate comes from another CA (while it trusts the cluster's) is refused by the
 * relay during the handshake, learns why, and the relay looks nothing up.
 */
class RelayClientTlsIT {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final AtomicInteger lookups = new AtomicInteger();
    private Path dir;
    private NodeRelay relay;
    private dev.codermon.auth.route.NodeDirectory nodes;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("relay-client-tls");
        ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC()).issueNode("n2", dir.resolve("n2"));
        ClusterCa.loadOrCreate(dir.resolve("other"), Clock.systemUTC()).issueNode("n1", dir.resolve("foreign-n1"));
        nodes = TestNodes.table(Map.of("n1", dir.resolve("foreign-n1"), "n2", dir.resolve("n2")));
        relay = NodeRelay.create(new RelaySettings("n2", "127.0.0.1", 0, dir.resolve("n2")), nodes);
        UpstreamConnector connector = new UpstreamConnector(NioDomainSocketChannel::new,
                path -> UnixDomainSocketAddress.of(path), 1000, WriteBufferWaterMark.DEFAULT);
        relay.listen(group, group, NioServerSocketChannel.class, connector, host -> {
            lookups.incrementAndGet();
            return CompletableFuture.completedFuture(Optional.empty());
        });
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void a_proxy_with_a_certificate_of_another_ca_is_refused_and_told_why() throws Exception {
        RelayTls foreign = RelayTls.of(PemFiles.readKey(dir.resolve("foreign-n1/node.key")),
                PemFiles.readCertificate(dir.resolve("foreign-n1/node.crt")),
                PemFiles.readCertificate(dir.resolve("n2/ca.crt")));
        String address = "127.0.0.1:" + relay.address().getPort();
        RelayClient client = new RelayClient("n1", () -> foreign,
                new RelayAddresses(node -> Optional.of(address), Runnable::run), TestNodes.check(nodes),
                NioSocketChannel::new, 2000,
                WriteBufferWaterMark.DEFAULT, 5000, 45_000, 15_000);
        NioSocketChannel proxySide = new NioSocketChannel();
        group.next().register(proxySide).sync();
        Route route = new Route("ws-1", "alice", "main.alice.codermon.internal", "/nowhere/code-server.sock", "n2");
        ChannelFuture opened = proxySide.eventLoop().submit(() -> client.open(proxySide, route, SocketKind.HTTP,
                new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(io.netty.channel.Channel ch) {
                    }
                })).get(5, TimeUnit.SECONDS);
        long start = System.nanoTime();
        assertTrue(opened.await(10, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3), "the refusal took "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        assertFalse(opened.isSuccess());
        String reason = assertInstanceOf(UpstreamUnreachable.class, opened.cause()).refusal().reason();
        assertTrue(reason.startsWith("relay to node n2 failed TLS: the relay refused this node's certificate"), reason);
        assertEquals(0, lookups.get(), "the relay looked a route up for a refused peer");
        proxySide.close().sync();
    }
}
