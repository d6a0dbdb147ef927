package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.testing.PatternBody;
import dev.codermon.proxy.testing.TestUpstream;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import dev.codermon.proxy.upstream.UpstreamUnreachable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.CharsetUtil;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy's multiplexed connection to another node's relay (HTTP/2 over mutual TLS), on real sockets: the
 * HTTP connections of one event loop to workspaces on a node ride one TCP connection as streams, each
 * decided on its own (a refused stream touches no socket and leaves the others working), closed streams end
 * without resets (more of them than a relay's rapid-reset limit leave the connection working), large bodies
 * pass the flow-control windows, a raw relay (SSH) keeps a connection of its own, and an unused connection
 * is closed after its keep time.
 */
class RelayMuxIT {

    private static final long KEEP_MILLIS = 1500;
    private static final long SILENCE_MILLIS = 300;
    private static final long RELAY_SILENCE_MILLIS = 500;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private Path dir;
    private NodeRelay relay;
    private TestUpstream upstream;
    private RelayClient client;
    private Channel proxySide;
    private Forwarder forwarder;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("relay-mux");
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        ca.issueNode("n1", dir.resolve("n1"));
        ca.issueNode("n2", dir.resolve("n2"));
        upstream = new TestUpstream().start();
        dev.codermon.auth.route.NodeDirectory nodes = TestNodes.table(
                Map.of("n1", dir.resolve("n1"), "n2", dir.resolve("n2")));
        relay = NodeRelay.create(new RelaySettings("n2", "127.0.0.1", 0, dir.resolve("n2")), nodes)
                .silence(java.time.Duration.ofMillis(RELAY_SILENCE_MILLIS));
        UpstreamConnector connector = new UpstreamConnector(NioDomainSocketChannel::new,
                path -> UnixDomainSocketAddress.of(path), 1000, WriteBufferWaterMark.DEFAULT);
        Map<String, Route> routes = Map.of(
                "a.alice.codermon.internal", route("a", "n2"), "b.alice.codermon.internal", route("b", "n2"),
                "c.alice.codermon.internal", route("c", "n3"));
        relay.listen(group, group, NioServerSocketChannel.class, connector,
                host -> CompletableFuture.completedFuture(Optional.ofNullable(routes.get(host))));
        // The proxy reaches the relay through a forwarder that can go silent, as a vanished node would.
        forwarder = new Forwarder(group, relay.address().getPort());
        String address = "127.0.0.1:" + forwarder.port();
        RelayTls n1 = RelayTls.load(dir.resolve("n1"), "n1");
        client = new RelayClient("n1", () -> n1,
                new RelayAddresses(node -> Optional.of(address), Runnable::run), TestNodes.check(nodes),
                NioSocketChannel::new, 2000, WriteBufferWaterMark.DEFAULT, 5000, KEEP_MILLIS, SILENCE_MILLIS);
        proxySide = new NioSocketChannel();
        group.next().register(proxySide).sync();
    }

    private Route route(String name, String node) {
        return new Route("ws-" + name, "alice", name + ".alice.codermon.internal", upstream.socket(), node);
    }

    @AfterEach
    void stop() throws Exception {
        proxySide.close().sync();
        forwarder.close();
        relay.close();
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Collects what a relayed connection receives until it holds the expected number of body bytes or text. */
    private static final class Received extends ChannelInboundHandlerAdapter {
        final AtomicLong bytes = new AtomicLong();
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            bytes.addAndGet(buf.readableBytes());
            synchronized (text) {
                if (text.length() < 4096) {
                    text.append(buf.toString(CharsetUtil.ISO_8859_1));
                }
            }
            buf.release();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.complete(null);
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }

    private ChannelFuture open(String name, String node, SocketKind kind, Received received) throws Exception {
        return proxySide.eventLoop().submit(() -> client.open(proxySide, route(name, node), kind,
                new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(received);
                    }
                })).get(5, TimeUnit.SECONDS);
    }

    private static void get(Channel channel, String path, String host) {
        channel.writeAndFlush(Unpooled.copiedBuffer("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
                CharsetUtil.US_ASCII));
    }

    private int connections() throws Exception {
        EventLoop loop = proxySide.eventLoop();
        return loop.submit(() -> client.connections(loop)).get(5, TimeUnit.SECONDS);
    }

    private static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void http_connections_to_a_node_share_one_connection_and_each_stream_is_decided_on_its_own() throws Exception {
        List<Received> answers = new ArrayList<>();
        List<ChannelFuture> streams = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Received received = new Received();
            answers.add(received);
            streams.add(open(i % 2 == 0 ? "a" : "b", "n2", SocketKind.HTTP, received));
        }
        // A workspace the store places on another node: refused by the relay, on the same connection.
        Received none = new Received();
        ChannelFuture foreign = open("c", "n2", SocketKind.HTTP, none);
        assertTrue(foreign.await(5, TimeUnit.SECONDS));
        assertFalse(foreign.isSuccess());
        assertTrue(foreign.cause() instanceof UpstreamUnreachable);
        assertEquals("relay to node n2 refused: 403 workspace c.alice.codermon.internal is placed on node n3, not n2",
                ((UpstreamUnreachable) foreign.cause()).refusal().reason());

        for (int i = 0; i < streams.size(); i++) {
            ChannelFuture stream = streams.get(i);
            assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), String.valueOf(stream.cause()));
            get(stream.channel(), "/n" + i, i % 2 == 0 ? "a.alice.codermon.internal" : "b.alice.codermon.internal");
        }
        for (int i = 0; i < answers.size(); i++) {
            Received received = answers.get(i);
            int n = i;
            until("the answer on stream " + n, () -> received.text().contains("hello /n" + n));
        }
        assertEquals(1, relay.acceptedConnections(), "the streams did not share one connection");
        assertEquals(1, connections());
        assertEquals(8, upstream.acceptedConnections(), "each stream reached the socket once; the refused one never");
        for (ChannelFuture stream : streams) {
            stream.channel().close().sync();
        }
    }

    @Test
    void closed_streams_end_without_resets_and_the_connection_stays_up() throws Exception {
        // More streams opened and closed one after another than a relay's rapid-reset limit (200).
        for (int i = 0; i < 260; i++) {
            Received received = new Received();
            ChannelFuture stream = open("a", "n2", SocketKind.HTTP, received);
            assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), i + ": " + stream.cause());
            get(stream.channel(), "/x" + i, "a.alice.codermon.internal");
            int n = i;
            until("answer " + n, () -> received.text().contains("hello /x" + n));
            stream.channel().close().sync();
            // The relay closes its socket to the workspace when the stream ends.
            until("the relay's socket of stream " + n + " closes", () -> upstream.openConnections() == 0);
        }
        assertEquals(1, relay.acceptedConnections(), "the relay dropped the connection (GOAWAY) along the way");
        assertEquals(1, relay.openConnections());
    }

    @Test
    void a_large_body_passes_the_flow_control_windows() throws Exception {
        Received received = new Received();
        ChannelFuture stream = open("a", "n2", SocketKind.HTTP, received);
        assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), String.valueOf(stream.cause()));
        int size = 8 * 1024 * 1024;
        get(stream.channel(), "/source/" + size, "a.alice.codermon.internal");
        until("8 MiB through the stream", () -> received.bytes.get() > size);
        stream.channel().close().sync();
    }

    @Test
    void a_workspace_that_hangs_up_ends_the_stream_and_the_connection_serves_on() throws Exception {
        Received dropped = new Received();
        ChannelFuture stream = open("a", "n2", SocketKind.HTTP, dropped);
        assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), String.valueOf(stream.cause()));
        // The workspace closes its socket without answering: the relay ends the stream, and the proxy's side
        // of it closes as a connection the workspace closed would.
        get(stream.channel(), "/drop-always", "a.alice.codermon.internal");
        dropped.closed.get(5, TimeUnit.SECONDS);
        until("the relay's socket closes", () -> upstream.openConnections() == 0);
        Received next = new Received();
        ChannelFuture again = open("a", "n2", SocketKind.HTTP, next);
        assertTrue(again.await(5, TimeUnit.SECONDS) && again.isSuccess(), String.valueOf(again.cause()));
        get(again.channel(), "/after", "a.alice.codermon.internal");
        until("the answer on the same connection", () -> next.text().contains("hello /after"));
        assertEquals(1, relay.acceptedConnections(), "the relay's connection did not survive the hang-up");
        again.channel().close().sync();
    }

    @Test
    void a_large_upload_reaches_the_workspace_whole_while_its_socket_takes_it_slower_than_it_comes() throws Exception {
        Received received = new Received();
        ChannelFuture stream = open("a", "n2", SocketKind.HTTP, received);
        assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), String.valueOf(stream.cause()));
        // 8 MiB written at once: the relay's socket to the workspace stops taking more long before the stream's
        // window (1 MiB) is used up, so the upload goes on only if the relay gives the window back as the
        // socket drains.
        int size = 8 * 1024 * 1024;
        Channel channel = stream.channel();
        channel.eventLoop().execute(() -> {
            channel.write(Unpooled.copiedBuffer("POST /sink HTTP/1.1\r\nHost: a.alice.codermon.internal\r\n"
                    + "Content-Length: " + size + "\r\n\r\n", CharsetUtil.US_ASCII));
            for (int sent = 0; sent < size; sent += PatternBody.BLOCK.length) {
                channel.write(Unpooled.wrappedBuffer(PatternBody.BLOCK));
            }
            channel.flush();
        });
        String expected = "bytes=" + size + " crc=" + PatternBody.crc(size);
        until("the workspace's answer to the upload", () -> received.text().contains(expected));
        channel.close().sync();
    }

    @Test
    void a_raw_relay_keeps_its_own_connection_and_an_unused_multiplexed_one_is_closed() throws Exception {
        Received http = new Received();
        ChannelFuture stream = open("a", "n2", SocketKind.HTTP, http);
        assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), String.valueOf(stream.cause()));
        Received raw = new Received();
        ChannelFuture ssh = open("a", "n2", SocketKind.SSH, raw);
        ssh.await(5, TimeUnit.SECONDS);
        until("a second connection for the raw relay", () -> relay.acceptedConnections() == 2);
        ssh.channel().close().sync();

        stream.channel().close().sync();
        assertEquals(1, connections(), "closed at once, not after its keep time");
        until("the unused connection is closed on both ends", () -> relay.openConnections() == 0 && connections0());
    }

    private boolean connections0() {
        try {
            return connections() == 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void a_connection_whose_relay_went_silent_is_closed_and_the_next_stream_dials_anew() throws Exception {
        Received first = new Received();
        ChannelFuture stream = open("a", "n2", SocketKind.HTTP, first);
        assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), String.valueOf(stream.cause()));
        // Quiet but alive: the PINGs are answered, the connection stays.
        Thread.sleep(SILENCE_MILLIS * 4);
        assertEquals(1, connections(), "a quiet connection whose relay answers its PINGs was closed");
        assertEquals(1, forwarder.accepted());

        forwarder.silence(true);
        until("the silent connection is closed", () -> !stream.channel().isActive() && connections0());
        forwarder.silence(false);
        Received second = new Received();
        ChannelFuture again = open("a", "n2", SocketKind.HTTP, second);
        assertTrue(again.await(5, TimeUnit.SECONDS) && again.isSuccess(), String.valueOf(again.cause()));
        get(again.channel(), "/again", "a.alice.codermon.internal");
        until("the answer on the new connection", () -> second.text().contains("hello /again"));
        assertEquals(2, forwarder.accepted(), "the next stream did not dial a new connection");
        again.channel().close().sync();
    }

    @Test
    void a_connection_whose_proxy_vanished_is_closed_by_the_relay_and_the_workspace_socket_with_it() throws Exception {
        Received received = new Received();
        ChannelFuture stream = open("a", "n2", SocketKind.HTTP, received);
        assertTrue(stream.await(5, TimeUnit.SECONDS) && stream.isSuccess(), String.valueOf(stream.cause()));
        get(stream.channel(), "/before", "a.alice.codermon.internal");
        until("the answer", () -> received.text().contains("hello /before"));
        // Quiet but alive: the relay's PINGs are answered, the connection and the workspace socket stay.
        Thread.sleep(RELAY_SILENCE_MILLIS * 4);
        assertEquals(1, relay.openConnections(), "a quiet connection whose proxy answers the relay's PINGs was closed");
        assertEquals(1, upstream.openConnections());

        // The proxy's node vanishes: nothing passes any more, and the relay is never told of a close.
        forwarder.vanish();
        until("the relay closes the silent connection", () -> relay.openConnections() == 0);
        until("the workspace socket of its stream closes", () -> upstream.openConnections() == 0);
    }

    /**
     * Forwards TCP to a port; when silenced, drops what comes both ways and keeps the connections open; once
     * vanished, also keeps the relay's side open when the proxy's side closes.
     */
    private static final class Forwarder {
        private final Channel server;
        private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        private volatile boolean silent;
        private volatile boolean vanished;

        Forwarder(EventLoopGroup group, int target) throws InterruptedException {
            server = new io.netty.bootstrap.ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(io.netty.channel.ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel in) {
                            accepted.incrementAndGet();
                            ChannelFuture connected = new io.netty.bootstrap.Bootstrap().group(in.eventLoop())
                                    .channel(NioSocketChannel.class)
                                    .handler(new Pass(in))
                                    .connect("127.0.0.1", target);
                            Channel out = connected.channel();
                            in.pipeline().addLast(new Pass(out));
                            out.closeFuture().addListener(f -> in.close());
                            in.closeFuture().addListener(f -> {
                                if (!vanished) {
                                    out.close();
                                }
                            });
                            connected.addListener(f -> in.config().setAutoRead(true));
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        }

        int port() {
            return ((java.net.InetSocketAddress) server.localAddress()).getPort();
        }

        int accepted() {
            return accepted.get();
        }

        void silence(boolean on) {
            silent = on;
        }

        void vanish() {
            silent = true;
            vanished = true;
        }

        void close() throws InterruptedException {
            server.close().sync();
        }

        private final class Pass extends ChannelInboundHandlerAdapter {
            private final Channel to;

            Pass(Channel to) {
                this.to = to;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (silent) {
                    io.netty.util.ReferenceCountUtil.release(msg);
                } else {
                    to.writeAndFlush(msg);
                }
            }
        }
    }
}
