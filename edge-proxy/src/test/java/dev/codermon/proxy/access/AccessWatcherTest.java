package dev.codermon.proxy.access;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.RevocationReader;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteLookup;
import dev.codermon.proxy.upstream.RouteCache;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watcher closes revoked and unrouted connections promptly while the store executor (the route
 * cache's, shared with activity writes and sessions) is stuck: it must not queue behind it.
 */
class AccessWatcherTest {

    private static final String HOST = "main.alice.codermon.internal";
    private static final Route ROUTE = new Route("ws-1", "alice", HOST, "/run/codermon/ws-1/cs.sock");
    /** The promise is about a second; a tick is 100 ms here, so this is ten ticks of slack. */
    private static final long CLOSE_WITHIN_MILLIS = 1_000;

    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
    private final RouteLookup routeStore = host -> Optional.ofNullable(routes.get(host));
    private final RevocationReader revocationStore = () -> Map.copyOf(revoked);
    private final ScheduledExecutorService storeExecutor = Executors.newSingleThreadScheduledExecutor();
    private final CountDownLatch unblock = new CountDownLatch(1);
    private final EventLoopGroup loops = new DefaultEventLoopGroup(1);
    private final LiveConnections connections = new LiveConnections();
    private RouteCache cache;
    private AccessWatcher watcher;
    private Channel server;
    private Channel client;

    @BeforeEach
    void start() throws Exception {
        routes.put(HOST, ROUTE);
        cache = new RouteCache(routeStore, storeExecutor, Duration.ofMillis(100));
        cache.lookup(HOST).get(5, TimeUnit.SECONDS);
        // From here on the store executor is busy with something else for as long as the test runs.
        storeExecutor.execute(() -> {
            try {
                unblock.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        LocalAddress address = new LocalAddress("access-watcher-test");
        server = new ServerBootstrap().group(loops).channel(LocalServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(address).sync().channel();
        client = new Bootstrap().group(loops).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
        connections.bind(client, new Principal("alice", "t-1", Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(3600)),
                ROUTE);
        watcher = new AccessWatcher(revocationStore, new Revocations(), cache::readNow, connections,
                Duration.ofMillis(100));
    }

    @AfterEach
    void stop() throws Exception {
        watcher.close();
        cache.close();
        unblock.countDown();
        storeExecutor.shutdownNow();
        client.close().sync();
        server.close().sync();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void a_removed_route_closes_the_connection_while_the_store_executor_is_busy() throws Exception {
        Thread.sleep(300);
        assertTrue(client.isOpen(), "closed while the route was still there");
        long start = System.nanoTime();
        routes.remove(HOST);
        assertClosedWithin(start);
        CompletableFuture<Optional<Route>> lookup = cache.lookup(HOST);
        assertFalse(lookup.isDone() && lookup.join().isPresent(),
                "new requests must not be handed the removed route from the cache");
    }

    @Test
    void a_revocation_closes_the_connection_while_the_store_executor_is_busy() throws Exception {
        long start = System.nanoTime();
        revoked.put("alice", Instant.now());
        assertClosedWithin(start);
    }

    @Test
    void another_users_revocation_leaves_the_connection_open() throws Exception {
        revoked.put("bob", Instant.now().plusSeconds(60));
        Thread.sleep(500);
        assertTrue(client.isOpen());
    }

    private void assertClosedWithin(long startNanos) throws InterruptedException {
        boolean closed = client.closeFuture().await(CLOSE_WITHIN_MILLIS * 3, TimeUnit.MILLISECONDS);
        assertTrue(closed, "the connection was not closed");
        long tookMillis = (System.nanoTime() - startNanos) / 1_000_000;
        assertFalse(tookMillis >= CLOSE_WITHIN_MILLIS, "closing took " + tookMillis + " ms");
    }
}
