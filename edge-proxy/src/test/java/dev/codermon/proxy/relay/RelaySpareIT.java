package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.testing.TestUpstream;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
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
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy's spare connection to another node's relay, on real sockets and mutual TLS: opened after a first
 * HTTP connection to that node succeeded, handed (already handshaken) to the next new workspace there and
 * replaced, never used for a raw (SSH) relay, and closed when unused for its keep time.
 */
class RelaySpareIT {

    private static final long KEEP_MILLIS = 1500;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private Path dir;
    private NodeRelay relay;
    private TestUpstream upstream;
    private RelayClient client;
    private Channel proxySide;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("relay-spare");
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        ca.issueNode("n1", dir.resolve("n1"));
        ca.issueNode("n2", dir.resolve("n2"));
        upstream = new TestUpstream().start();
        relay = NodeRelay.create(new RelaySettings("n2", "127.0.0.1", 0, dir.resolve("n2")), node -> Optional.empty());
        UpstreamConnector connector = new UpstreamConnector(NioDomainSocketChannel::new,
                path -> UnixDomainSocketAddress.of(path), 1000, WriteBufferWaterMark.DEFAULT);
        Map<String, Route> routes = Map.of(
                "a.alice.codermon.internal", route("a"), "b.alice.codermon.internal", route("b"));
        relay.listen(group, group, NioServerSocketChannel.class, connector,
                host -> CompletableFuture.completedFuture(Optional.ofNullable(routes.get(host))));
        String address = "127.0.0.1:" + relay.address().getPort();
        client = new RelayClient("n1", RelayTls.load(dir.resolve("n1"), "n1"),
                new RelayAddresses(node -> Optional.of(address), Runnable::run), NioSocketChannel::new, 2000,
                WriteBufferWaterMark.DEFAULT, 5000, KEEP_MILLIS);
        proxySide = new NioSocketChannel();
        group.next().register(proxySide).sync();
    }

    private Route route(String name) {
        return new Route("ws-" + name, "alice", name + ".alice.codermon.internal", upstream.socket(), "n2");
    }

    @AfterEach
    void stop() throws Exception {
        proxySide.close().sync();
        relay.close();
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Opens on the proxy side's loop; returns the future and whether its channel was connected at once. */
    private Opened open(String name, SocketKind kind) throws Exception {
        return proxySide.eventLoop().submit(() -> {
            ChannelFuture f = client.open(proxySide, route(name), kind, new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                }
            });
            return new Opened(f, f.channel().isActive());
        }).get(5, TimeUnit.SECONDS);
    }

    private record Opened(ChannelFuture future, boolean connectedAtOnce) {
    }

    private int spares() throws Exception {
        EventLoop loop = proxySide.eventLoop();
        return loop.submit(() -> client.spares(loop)).get(5, TimeUnit.SECONDS);
    }

    private static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void the_next_workspace_on_a_node_gets_a_handshaken_spare_and_a_replacement_follows() throws Exception {
        Opened first = open("a", SocketKind.HTTP);
        assertFalse(first.connectedAtOnce(), "the first connection to a node cannot be a spare");
        assertTrue(first.future().await(5, TimeUnit.SECONDS) && first.future().isSuccess(), String.valueOf(first.future().cause()));
        until("a spare connection reaches the relay", () -> relay.acceptedConnections() == 2);
        assertEquals(1, spares());

        Opened second = open("b", SocketKind.HTTP);
        assertTrue(second.connectedAtOnce(), "the second workspace did not get the spare connection");
        assertTrue(second.future().await(5, TimeUnit.SECONDS) && second.future().isSuccess(), String.valueOf(second.future().cause()));
        until("a replacement spare reaches the relay", () -> relay.acceptedConnections() == 3);
        assertEquals(2, upstream.acceptedConnections(), "each workspace connection reached the socket once; spares none");

        // A raw relay (SSH) waits for its reads from the start: it never takes a spare.
        Opened raw = open("a", SocketKind.SSH);
        assertFalse(raw.connectedAtOnce());
        raw.future().await(5, TimeUnit.SECONDS);
        assertEquals(1, spares());

        // Unused, the spare is closed after its keep time, on both ends.
        raw.future().channel().close().sync();
        until("the unused spare is closed", () -> relay.openConnections() == 2 && spares0());
        first.future().channel().close().sync();
        second.future().channel().close().sync();
    }

    private boolean spares0() {
        try {
            return spares() == 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
