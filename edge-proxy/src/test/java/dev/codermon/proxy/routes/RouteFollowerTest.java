package dev.codermon.proxy.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.ChangeDoorbell.Ring;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.access.Revocations;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteFollowerTest {

    private static final String ALICE = "main.alice.codermon.internal";
    private static final String BOB = "main.bob.codermon.internal";
    private static final Route ALICE_ROUTE = new Route("ws-a", "alice", ALICE, "/run/codermon/ws-a/cs.sock");
    private static final Route BOB_ROUTE = new Route("ws-b", "bob", BOB, "/run/codermon/ws-b/cs.sock");
    /**
     * Fast, so that the tests are: a doorbell wait of 100 ms, a quiet poll every 300 ms; reads asked for by
     * requests that missed at most every 50 ms.
     */
    private static final FeedPacing PACING = new FeedPacing(Duration.ofMillis(100),
            Duration.ofMillis(300), Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(50),
            Duration.ofMillis(50));

    @TempDir
    Path dir;
    private final FakeRouteFeed feed = new FakeRouteFeed();
    private final LiveConnections connections = new LiveConnections();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private EventLoopGroup loops;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (loops != null) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private Path snapshotFile() {
        return dir.resolve("proxy").resolve("0").resolve("routes-snapshot.json");
    }

    private RouteFollower follow(RouteTable table, Revocations revocations) {
        RouteFollower follower = new RouteFollower(feed, table, revocations, connections,
                new SnapshotFile(snapshotFile()), Clock.systemUTC(), PACING).start();
        closing.add(0, follower);
        return follower;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "not within 2 s: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void start_loads_everything_and_a_rung_change_appears() throws Exception {
        feed.put(ALICE_ROUTE);
        RouteTable table = new RouteTable();
        follow(table, new Revocations());
        assertEquals(ALICE_ROUTE, table.find(ALICE), "loaded before start returns");
        assertTrue(table.loaded());
        assertNull(table.find(BOB));

        feed.put(BOB_ROUTE);
        feed.ring(Ring.RANG);
        await("bob's route", () -> BOB_ROUTE.equals(table.find(BOB)));
        assertEquals(1, feed.loadAlls.get(), "a ring reads the changes, not everything");
    }

    @Test
    void a_delete_removes_the_route() throws Exception {
        feed.put(ALICE_ROUTE);
        feed.put(BOB_ROUTE);
        RouteTable table = new RouteTable();
        follow(table, new Revocations());
        feed.remove(BOB);
        feed.ring(Ring.RANG);
        await("bob's route gone", () -> table.find(BOB) == null);
        assertEquals(ALICE_ROUTE, table.find(ALICE));
        assertEquals(1, table.size());
    }

    @Test
    void a_quiet_doorbell_still_gets_a_read_every_few_seconds() throws Exception {
        RouteTable table = new RouteTable();
        follow(table, new Revocations());
        feed.put(ALICE_ROUTE); // no ring: a lost notification
        await("alice's route, by the quiet poll", () -> table.find(ALICE) != null);
    }

    @Test
    void a_read_asked_for_on_a_miss_finds_a_route_the_doorbell_did_not_announce() throws Exception {
        RouteTable table = new RouteTable();
        RouteFollower follower = follow(table, new Revocations());
        feed.put(ALICE_ROUTE); // no ring
        follower.readSoon().get(1, TimeUnit.SECONDS);
        assertEquals(ALICE_ROUTE, table.find(ALICE), "the asked read ran after the ask");
    }

    @Test
    void misses_one_after_another_cost_the_store_at_most_one_read_per_asked_every() throws Exception {
        RouteTable table = new RouteTable();
        RouteFollower follower = follow(table, new Revocations());
        int before = feed.changeReads.get();
        long start = System.nanoTime();
        int asks = 0;
        // A client naming made-up hostnames back to back: each request waits for its read, then the next.
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(600) && asks < 10_000) {
            follower.readSoon().get(1, TimeUnit.SECONDS);
            asks++;
        }
        double elapsedMillis = (System.nanoTime() - start) / 1e6;
        int reads = feed.changeReads.get() - before;
        // One read per 50 ms at most (plus the quiet poll's, every 300 ms), yet every ask answered by a read.
        assertTrue(reads <= elapsedMillis / 50 + 3, reads + " reads in " + elapsedMillis + " ms for " + asks + " asks");
        assertTrue(reads >= 5, "asked reads still happen: " + reads + " in " + elapsedMillis + " ms");
    }

    @Test
    void failed_reads_evict_nothing_and_the_changes_apply_once_the_store_answers() throws Exception {
        feed.put(ALICE_ROUTE);
        feed.put(BOB_ROUTE);
        RouteTable table = new RouteTable();
        RouteFollower follower = follow(table, new Revocations());
        feed.down = true;
        feed.remove(BOB);
        feed.ring(Ring.RANG);
        Thread.sleep(600); // several failed reads and backoffs
        assertEquals(BOB_ROUTE, table.find(BOB));
        assertEquals(2, table.size());
        assertTrue(follower.secondsSinceRead() >= 0.5, "seconds since read: " + follower.secondsSinceRead());

        int loadsBefore = feed.loadAlls.get();
        feed.down = false;
        await("bob's route gone after the outage", () -> table.find(BOB) == null);
        assertTrue(feed.loadAlls.get() > loadsBefore, "everything is read again after a failure");
        assertTrue(follower.secondsSinceRead() < 0.5);
    }

    @Test
    void a_reconnected_doorbell_reloads_everything() throws Exception {
        RouteTable table = new RouteTable();
        RouteFollower follower = follow(table, new Revocations());
        feed.putUnlogged(ALICE_ROUTE);
        feed.ring(Ring.RECONNECTED);
        await("alice's route, by reading everything", () -> table.find(ALICE) != null);
        assertEquals(2, follower.reloads());
    }

    @Test
    void a_log_pruned_past_the_version_held_reloads_everything() throws Exception {
        RouteTable table = new RouteTable();
        follow(table, new Revocations());
        feed.putUnlogged(ALICE_ROUTE);
        feed.prune();
        feed.ring(Ring.RANG);
        await("alice's route, by reading everything", () -> table.find(ALICE) != null);
        assertEquals(2, feed.loadAlls.get());
    }

    @Test
    void a_proxy_started_while_the_store_is_down_serves_the_snapshot_then_the_store() throws Exception {
        feed.put(ALICE_ROUTE);
        feed.revoke("bob", Instant.parse("2026-01-01T00:00:00Z"));
        RouteTable first = new RouteTable();
        RouteFollower follower = follow(first, new Revocations());
        await("the snapshot", () -> Files.exists(snapshotFile()));
        follower.close();

        feed.down = true;
        RouteTable second = new RouteTable();
        Revocations revocations = new Revocations();
        follow(second, revocations);
        assertEquals(ALICE_ROUTE, second.find(ALICE), "restored from the snapshot");
        assertTrue(second.loaded());
        assertTrue(revocations.isRevoked("bob", Instant.parse("2025-12-31T00:00:00Z")), "revocations restored");

        feed.put(BOB_ROUTE);
        feed.down = false;
        await("bob's route once the store answers", () -> second.find(BOB) != null);
    }

    @Test
    void a_damaged_snapshot_is_ignored_and_the_table_fills_once_the_store_answers() throws Exception {
        Files.createDirectories(snapshotFile().getParent());
        Files.writeString(snapshotFile(), "{\"format\":1,\"version\":3,\"routes\":[{\"hostname\":");
        feed.put(ALICE_ROUTE);
        feed.down = true;
        RouteTable table = new RouteTable();
        follow(table, new Revocations());
        assertFalse(table.loaded(), "nothing known: not loaded");
        assertNull(table.find(ALICE));
        feed.down = false;
        await("alice's route", () -> table.find(ALICE) != null);
        await("the snapshot rewritten", () -> {
            try {
                return new SnapshotFile(snapshotFile()).read().isPresent();
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void a_revocation_closes_a_live_connection_and_another_users_does_not() throws Exception {
        feed.put(ALICE_ROUTE);
        RouteTable table = new RouteTable();
        Revocations revocations = new Revocations();
        follow(table, revocations);
        Channel client = liveConnection("alice", ALICE_ROUTE);

        feed.revoke("bob", Instant.now().plusSeconds(60));
        feed.ring(Ring.RANG);
        await("bob revoked", () -> revocations.isRevoked("bob", Instant.now()));
        Thread.sleep(100);
        assertTrue(client.isOpen(), "another user's revocation closed alice's connection");

        long start = System.nanoTime();
        feed.revoke("alice", Instant.now());
        feed.ring(Ring.RANG);
        assertTrue(client.closeFuture().await(2, TimeUnit.SECONDS), "alice's connection was not closed");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 1_000, "closing took " + millis + " ms");
    }

    @Test
    void a_removed_route_closes_its_live_connection() throws Exception {
        feed.put(ALICE_ROUTE);
        RouteTable table = new RouteTable();
        follow(table, new Revocations());
        Channel client = liveConnection("alice", ALICE_ROUTE);
        feed.remove(ALICE);
        feed.ring(Ring.RANG);
        assertTrue(client.closeFuture().await(2, TimeUnit.SECONDS), "the connection was not closed");
    }

    /** Opens a local connection bound, as the route stage binds it, to the user's credentials and the route. */
    private Channel liveConnection(String user, Route route) throws InterruptedException {
        loops = new DefaultEventLoopGroup(1);
        LocalAddress address = new LocalAddress("route-follower-test-" + System.nanoTime());
        Channel server = new ServerBootstrap().group(loops).channel(LocalServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(address).sync().channel();
        Channel client = new Bootstrap().group(loops).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
        closing.add(() -> {
            client.close().sync();
            server.close().sync();
        });
        connections.bind(client, new Principal(user, "t-1", Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(3600)), route);
        return client;
    }
}
