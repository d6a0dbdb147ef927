package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.testing.TestUpstream;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import dev.codermon.proxy.upstream.UpstreamUnreachable;
import io.netty.channel.Channel;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster CA's signature alone makes no peer: over real TLS, a relay takes a proxy's connection, and a
 * proxy a relay's, only with the certificate that the peer's node published in the nodes table. A
 * certificate issued again makes the old one worthless; a node that is not in the table is no member; a
 * node that just joined (or published a new certificate) is read at once.
 */
class RelayPeersIT {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final io.netty.channel.EventLoop proxyLoop = group.next();
    private final AtomicInteger lookups = new AtomicInteger();
    /** The nodes table: node id to the TLS directory whose certificate it published. */
    private final Map<String, Path> published = new ConcurrentHashMap<>();
    private Path dir;
    private ClusterCa ca;
    private NodeDirectory nodes;
    private TestUpstream upstream;
    private NodeRelay relay;
    private String address;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("relay-peers");
        ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        ca.issueNode("n1", dir.resolve("n1"));
        ca.issueNode("n2", dir.resolve("n2"));
        published.put("n1", dir.resolve("n1"));
        published.put("n2", dir.resolve("n2"));
        nodes = TestNodes.table(published);
        upstream = new TestUpstream().start();
        relay = NodeRelay.create(new RelaySettings("n2", "127.0.0.1", 0, dir.resolve("n2")), nodes);
        UpstreamConnector connector = new UpstreamConnector(NioDomainSocketChannel::new,
                path -> UnixDomainSocketAddress.of(path), 1000, WriteBufferWaterMark.DEFAULT);
        Route route = new Route("ws-a", "alice", "a.alice.codermon.internal", upstream.socket(), "n2");
        relay.listen(group, group, NioServerSocketChannel.class, connector, host -> {
            lookups.incrementAndGet();
            return CompletableFuture.completedFuture(Optional.of(route).filter(r -> r.hostname().equals(host)));
        });
        address = "127.0.0.1:" + relay.address().getPort();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void a_certificate_issued_again_makes_the_old_one_worthless_on_both_relay_protocols() throws Exception {
        ca.issueNode("n1", dir.resolve("n1-again"));
        published.put("n1", dir.resolve("n1-again"));
        // The relay reads the table every 10 s: until then it knows the old certificate (docs/relay.md).
        long until = System.nanoTime() + NodeAddressBook.EVERY.plusSeconds(5).toNanos();
        while (open("n1", dir.resolve("n1"), SocketKind.HTTP).isSuccess()) {
            assertTrue(System.nanoTime() < until, "the old certificate still works after the table's next read");
            Thread.sleep(200);
        }
        int before = lookups.get();

        for (SocketKind kind : new SocketKind[] {SocketKind.HTTP, SocketKind.SSH}) {
            String reason = refusal(open("n1", dir.resolve("n1"), kind));
            assertTrue(reason.startsWith("relay to node n2 refused"), kind + ": " + reason);
            assertTrue(reason.contains("its certificate is not the one node n1 published"), kind + ": " + reason);
        }
        assertEquals(before, lookups.get(), "the relay looked a route up for a peer with a withdrawn certificate");

        ChannelFuture again = open("n1", dir.resolve("n1-again"), SocketKind.HTTP);
        assertTrue(again.isSuccess(), () -> "the new certificate: " + again.cause());
        // The raw relay takes the new certificate too and goes on to the workspace, which runs no SSH server here.
        assertEquals("relay to node n2 refused: 502 workspace a.alice.codermon.internal is not answering on its ssh"
                + " socket", refusal(open("n1", dir.resolve("n1-again"), SocketKind.SSH)));
    }

    @Test
    void a_node_missing_from_the_table_is_no_member_and_one_that_joins_is_read_at_once() throws Exception {
        ca.issueNode("n3", dir.resolve("n3"));

        String reason = refusal(open("n3", dir.resolve("n3"), SocketKind.HTTP));
        assertTrue(reason.contains("node n3 is not in the cluster's nodes table"), reason);
        assertEquals(0, lookups.get());

        published.put("n3", dir.resolve("n3"));
        long start = System.nanoTime();
        ChannelFuture joined = open("n3", dir.resolve("n3"), SocketKind.HTTP);
        assertTrue(joined.isSuccess(), () -> "just joined: " + joined.cause());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "read at once, not at the next period");
    }

    @Test
    void a_proxy_refuses_a_relay_whose_certificate_is_not_the_one_its_node_published() throws Exception {
        ca.issueNode("n2", dir.resolve("n2-again"));
        published.put("n2", dir.resolve("n2-again")); // the relay still runs with the old one

        for (SocketKind kind : new SocketKind[] {SocketKind.HTTP, SocketKind.SSH}) {
            String reason = refusal(open("n1", dir.resolve("n1"), kind));
            assertEquals("relay to node n2 refused: its certificate is not the one node n2 published (issued again"
                    + " since, or no longer valid)", reason, kind.toString());
        }
        assertEquals(0, lookups.get());
    }

    @Test
    void a_relay_closes_a_live_connection_once_its_peers_certificate_is_withdrawn() throws Exception {
        ChannelFuture opened = open("n1", dir.resolve("n1"), SocketKind.HTTP, false);
        assertTrue(opened.isSuccess(), () -> "before: " + opened.cause());
        assertEquals(1, relay.openConnections());

        ca.issueNode("n1", dir.resolve("n1-again"));
        published.put("n1", dir.resolve("n1-again"));
        // The proxy's connection (the stream's parent) ends: the stream itself learns it at its next read.
        assertTrue(opened.channel().parent().closeFuture().await(NodeAddressBook.EVERY.plusSeconds(5).toMillis()),
                "the connection of the withdrawn certificate is still open");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (relay.openConnections() > 0 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertEquals(0, relay.openConnections(), "the relay kept the connection");
    }

    @Test
    void a_proxy_closes_a_live_connection_once_the_relays_certificate_is_withdrawn() throws Exception {
        ChannelFuture opened = open("n1", dir.resolve("n1"), SocketKind.HTTP, false);
        assertTrue(opened.isSuccess(), () -> "before: " + opened.cause());

        ca.issueNode("n2", dir.resolve("n2-again"));
        published.put("n2", dir.resolve("n2-again")); // the relay still runs with the old one
        assertTrue(opened.channel().closeFuture().await(NodeAddressBook.EVERY.plusSeconds(5).toMillis()),
                "the proxy kept its stream to a relay whose certificate was withdrawn");
    }

    @Test
    void a_relay_presents_its_certificate_issued_again_once_its_agent_published_it_without_a_restart() throws Exception {
        published.put("n2", copyOf(dir.resolve("n2")));
        ca.issueNode("n2", dir.resolve("n2")); // the files the running relay loaded
        Thread.sleep(RelayTlsFiles.EVERY.multipliedBy(3).toMillis());
        ChannelFuture unpublished = open("n1", dir.resolve("n1"), SocketKind.HTTP);
        assertTrue(unpublished.isSuccess(), () -> "the certificate still published: " + unpublished.cause());

        published.put("n2", dir.resolve("n2")); // its agent's next heartbeat
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        ChannelFuture opened;
        while (!(opened = open("n1", dir.resolve("n1"), SocketKind.HTTP)).isSuccess()) {
            // Until the relay takes the new one, the proxy refuses the old one it presents.
            assertTrue(refusal(opened).contains("its certificate is not the one node n2 published"), refusal(opened));
            assertTrue(System.nanoTime() < until, "the relay still presents the certificate before");
            Thread.sleep(100);
        }
        assertEquals(NodeRecord.fingerprint(PemFiles.readCertificate(dir.resolve("n2/node.crt"))),
                NodeRecord.fingerprint(RelayAcceptHandler.peerCertificate(opened.channel().parent())),
                "the relay (the same one, never restarted) presents the certificate issued again");
    }

    @Test
    void a_proxy_presents_its_certificate_issued_again_once_its_agent_published_it_without_a_restart() throws Exception {
        Path n1 = dir.resolve("n1");
        published.put("n1", copyOf(n1));
        try (RelayTlsFiles files = RelayTlsFiles.load(n1, "n1", NodeAddressBook.following(nodes), Clock.systemUTC()).follow()) {
            RelayClient client = client("n1", files);
            ChannelFuture first = open(client, SocketKind.HTTP, false);
            assertTrue(first.isSuccess(), () -> "before: " + first.cause());
            String before = presented(first);

            ca.issueNode("n1", n1);
            Thread.sleep(RelayTlsFiles.EVERY.multipliedBy(3).toMillis());
            ChannelFuture unpublished = open(client, SocketKind.HTTP, false);
            assertTrue(unpublished.isSuccess(), () -> "not published yet: " + unpublished.cause());
            assertEquals(before, presented(unpublished), "presented before its agent published it");

            published.put("n1", n1); // its agent's next heartbeat
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!files.get().certificate().equals(PemFiles.readCertificate(n1.resolve("node.crt")))) {
                assertTrue(System.nanoTime() < until, "the proxy did not take its published certificate");
                Thread.sleep(100);
            }
            ChannelFuture after = open(client, SocketKind.HTTP, false);
            assertTrue(after.isSuccess(), () -> "after: " + after.cause());
            assertEquals(NodeRecord.fingerprint(PemFiles.readCertificate(n1.resolve("node.crt"))), presented(after));
            assertNotEquals(first.channel().parent(), after.channel().parent(),
                    "a new stream rode the connection opened with the certificate before");
            // The raw relay presents it too: the relay took it and went on to the workspace (no SSH server here).
            String ssh = refusal(open(client, SocketKind.SSH, false));
            assertTrue(ssh.contains("is not answering on its ssh socket"), ssh);
        }
    }

    /** Opens a relayed socket to the route from a proxy of the node with the certificate in the directory. */
    private ChannelFuture open(String node, Path tls, SocketKind kind) throws Exception {
        return open(node, tls, kind, true);
    }

    /** As {@link #open(String, Path, SocketKind)}; {@code close}: close what opened once it answered. */
    private ChannelFuture open(String node, Path tls, SocketKind kind, boolean close) throws Exception {
        RelayTls loaded = RelayTls.load(tls, node);
        return open(client(node, () -> loaded), kind, close);
    }

    private RelayClient client(String node, java.util.function.Supplier<RelayTls> tls) {
        return new RelayClient(node, tls, new RelayAddresses(n -> Optional.of(address), Runnable::run),
                TestNodes.check(nodes), NioSocketChannel::new, 2000, WriteBufferWaterMark.DEFAULT, 5000, 45_000, 15_000);
    }

    /** Opens a relayed socket through the client; {@code close}: close what opened once it answered. */
    private ChannelFuture open(RelayClient client, SocketKind kind, boolean close) throws Exception {
        NioSocketChannel proxySide = new NioSocketChannel();
        // One loop for the proxy's side: its streams to a node share one connection (one per loop and node).
        proxyLoop.register(proxySide).sync();
        Route route = new Route("ws-a", "alice", "a.alice.codermon.internal", upstream.socket(), "n2");
        ChannelFuture opened = proxySide.eventLoop().submit(() -> client.open(proxySide, route, kind,
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                    }
                })).get(5, TimeUnit.SECONDS);
        assertTrue(opened.await(10, TimeUnit.SECONDS), "no answer");
        if (close) {
            if (opened.isSuccess()) {
                opened.channel().close();
            }
            proxySide.close();
        }
        return opened;
    }

    /** Returns the fingerprint of the certificate this proxy presented on the connection that opened. */
    private static String presented(ChannelFuture opened) {
        Channel connection = opened.channel().parent() != null ? opened.channel().parent() : opened.channel();
        return NodeRecord.fingerprint((java.security.cert.X509Certificate) connection.pipeline()
                .get(io.netty.handler.ssl.SslHandler.class).engine().getSession().getLocalCertificates()[0]);
    }

    private Path copyOf(Path tls) throws Exception {
        Path copy = Files.createTempDirectory(dir, "published");
        Files.copy(tls.resolve("node.crt"), copy.resolve("node.crt"));
        return copy;
    }

    private static String refusal(ChannelFuture opened) {
        assertFalse(opened.isSuccess(), "opened");
        return assertInstanceOf(UpstreamUnreachable.class, opened.cause()).refusal().reason();
    }
}
