package dev.codermon.controlplane.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.TokenVerifier;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import dev.codermon.controlplane.workspace.WorkspaceLimits;
import dev.codermon.controlplane.workspace.WorkspaceService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceMonitorTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");

    @TempDir
    Path tempDir;
    SqliteRouteStore store;
    final FakeRuntime fake = new FakeRuntime();
    final Set<String> explodingRefs = ConcurrentHashMap.newKeySet();
    final Set<String> unhealthySockets = ConcurrentHashMap.newKeySet();
    final MutableClock clock = new MutableClock(T0);
    WorkspaceRuntime runtime;
    WorkspaceService workspaces;

    @BeforeEach
    void setUp() {
        store = SqliteRouteStore.open(tempDir.resolve("routes.db"));
        fake.startDelay(Duration.ZERO);
        runtime = new ExplodingRuntime();
        workspaces = new WorkspaceService(store, runtime, tempDir.resolve("workspaces"),
                (user, name) -> name + "." + user + ".codermon.internal", new WorkspaceLimits(5, 20, 2), clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private WorkspaceMonitor monitor(DeadPolicy policy, HealthCheck health) {
        return new WorkspaceMonitor(store, runtime, workspaces, new Reconciler(store, runtime, new HealthProbe()::isHealthy),
                health, new MonitorSettings(Duration.ofSeconds(15), IDLE, policy), clock);
    }

    private WorkspaceMonitor monitor(DeadPolicy policy) {
        return monitor(policy, socket -> !unhealthySockets.contains(socket));
    }

    private WorkspaceRecord running(String user) {
        return workspaces.start(user, "main").record();
    }

    private WorkspaceRecord current(WorkspaceRecord r) {
        return store.find(r.id()).orElseThrow();
    }

    @Test
    void an_idle_workspace_is_reaped_just_after_the_timeout_with_its_files_kept() throws Exception {
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK);
        WorkspaceRecord ws = running("alice");
        assertEquals(T0, ws.lastActivityAt());
        Path notes = tempDir.resolve("workspaces").resolve(ws.id()).resolve("project/notes.txt");
        Files.createDirectories(notes.getParent());
        Files.writeString(notes, "keep");

        clock.set(T0.plus(IDLE));
        assertEquals(0, monitor.pass().reaped());
        assertEquals(WorkspaceState.RUNNING, current(ws).state(), "idle exactly as long as the timeout is kept");

        clock.set(T0.plus(IDLE).plusMillis(1));
        WorkspaceMonitor.PassResult result = monitor.pass();
        assertEquals(1, result.reaped());
        WorkspaceRecord after = current(ws);
        assertEquals(WorkspaceState.STOPPED, after.state());
        assertNull(after.runtimeRef());
        assertTrue(store.findRoute(ws.hostname()).isEmpty());
        assertFalse(fake.isAlive(ws.runtimeRef()));
        assertEquals("keep", Files.readString(notes));
        assertTrue(fake.removed.isEmpty(), "reaping never drops data");
        assertEquals(0, monitor.pass().reaped(), "a stopped workspace is left alone");
    }

    @Test
    void activity_recorded_by_the_proxy_keeps_a_workspace() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK);
        WorkspaceRecord ws = running("alice");
        store.recordActivity(ws.id(), T0.plus(Duration.ofMinutes(20)));

        clock.set(T0.plus(Duration.ofMinutes(49)));
        assertEquals(0, monitor.pass().reaped());
        assertEquals(WorkspaceState.RUNNING, current(ws).state());

        clock.set(T0.plus(Duration.ofMinutes(51)));
        assertEquals(1, monitor.pass().reaped());
        assertEquals(WorkspaceState.STOPPED, current(ws).state());
    }

    @Test
    void another_runtimes_workspace_is_neither_dead_nor_idle_to_this_one() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.RESTART);
        WorkspaceRecord theirs = new WorkspaceRecord("id-theirs", "carol", "main", "main.carol.codermon.internal",
                "/run/codermon-other/code-server.sock", WorkspaceState.RUNNING, "other-4242", T0, T0);
        store.insert(theirs);
        unhealthySockets.add("/run/codermon-other/code-server.sock");

        clock.set(T0.plus(IDLE).plus(Duration.ofHours(1)));
        WorkspaceMonitor.PassResult result = monitor.pass();
        assertEquals(0, result.dead());
        assertEquals(0, result.reaped());
        assertEquals(0, result.restarted());
        assertEquals(WorkspaceState.RUNNING, current(theirs).state());
        assertEquals("other-4242", current(theirs).runtimeRef());
        assertTrue(store.findRoute(theirs.hostname()).isPresent());
        assertTrue(fake.stopped.isEmpty(), "nothing was stopped: " + fake.stopped);
    }

    @Test
    void a_dead_process_loses_its_route_and_is_marked_failed() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK);
        WorkspaceRecord ws = running("alice");
        WorkspaceRecord other = running("bob");
        fake.crash(ws.runtimeRef());

        WorkspaceMonitor.PassResult result = monitor.pass();
        assertEquals(1, result.dead());
        assertEquals(0, result.restarted());
        assertEquals(WorkspaceState.FAILED, current(ws).state());
        assertNull(current(ws).upstreamSocket());
        assertTrue(store.findRoute(ws.hostname()).isEmpty());
        assertEquals(WorkspaceState.RUNNING, current(other).state());
        assertEquals(2, fake.starts.get(), "mark does not restart");
    }

    @Test
    void a_process_that_stops_answering_is_dead_after_two_failed_probes() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK);
        WorkspaceRecord ws = running("alice");
        unhealthySockets.add(ws.upstreamSocket());

        assertEquals(0, monitor.pass().dead(), "one failed probe may be a hiccup");
        assertEquals(WorkspaceState.RUNNING, current(ws).state());
        assertEquals(1, monitor.pass().dead());
        assertEquals(WorkspaceState.FAILED, current(ws).state());
        assertFalse(fake.isAlive(ws.runtimeRef()), "the hung process is stopped");
    }

    @Test
    void a_single_failed_probe_between_good_ones_is_forgiven() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK);
        WorkspaceRecord ws = running("alice");
        unhealthySockets.add(ws.upstreamSocket());
        monitor.pass();
        unhealthySockets.clear();
        monitor.pass();
        unhealthySockets.add(ws.upstreamSocket());
        assertEquals(0, monitor.pass().dead());
        assertEquals(WorkspaceState.RUNNING, current(ws).state());
    }

    @Test
    void the_restart_policy_starts_a_dead_workspace_again() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.RESTART);
        WorkspaceRecord ws = running("alice");
        fake.crash(ws.runtimeRef());
        clock.advance(Duration.ofMinutes(1));

        WorkspaceMonitor.PassResult result = monitor.pass();
        assertEquals(1, result.dead());
        assertEquals(1, result.restarted());
        WorkspaceRecord after = current(ws);
        assertEquals(WorkspaceState.RUNNING, after.state());
        assertNotEquals(ws.runtimeRef(), after.runtimeRef());
        assertTrue(fake.isAlive(after.runtimeRef()));
        assertTrue(store.findRoute(ws.hostname()).isPresent());
        assertEquals(clock.instant(), after.lastActivityAt(), "a restart counts as activity");
    }

    @Test
    void a_failed_restart_leaves_the_workspace_failed() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.RESTART);
        WorkspaceRecord ws = running("alice");
        fake.crash(ws.runtimeRef());
        fake.failStartsWith("no image");
        assertEquals(0, monitor.pass().restarted());
        assertEquals(WorkspaceState.FAILED, current(ws).state());
        assertTrue(store.findRoute(ws.hostname()).isEmpty());
    }

    @Test
    void one_workspace_failing_its_check_does_not_stop_the_pass() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK);
        WorkspaceRecord broken = running("alice");
        WorkspaceRecord idle = running("bob");
        explodingRefs.add(broken.runtimeRef());
        store.consumeToken("old-link", T0.minusSeconds(1));
        clock.set(T0.plus(IDLE).plusSeconds(1));

        WorkspaceMonitor.PassResult result = monitor.pass();
        assertEquals(1, result.failures());
        assertEquals(1, result.reaped());
        assertEquals(WorkspaceState.STOPPED, current(idle).state());
        assertEquals(WorkspaceState.RUNNING, current(broken).state());
        assertTrue(store.consumeToken("old-link", T0.plusSeconds(60)), "the pass went on to prune");
    }

    @Test
    void expired_single_use_marks_and_sessions_are_pruned() {
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK);
        // A token verifies for the clock skew past its expiry; its mark goes only after that.
        assertTrue(store.consumeToken("expired", T0.minus(TokenVerifier.MAX_CLOCK_SKEW).minusSeconds(1)));
        assertTrue(store.consumeToken("within-skew", T0.minusSeconds(5)));
        assertTrue(store.consumeToken("valid", T0.plusSeconds(60)));
        store.createSession(new ProxySession("old", "alice", "main.alice.codermon.internal", T0.minusSeconds(100),
                T0.minusSeconds(1)));
        store.createSession(new ProxySession("new", "alice", "main.alice.codermon.internal", T0,
                T0.plusSeconds(600)));

        monitor.pass();

        assertTrue(store.consumeToken("expired", T0.plusSeconds(60)), "an expired mark is forgotten");
        assertFalse(store.consumeToken("valid", T0.plusSeconds(60)), "a live mark still refuses a replay");
        assertFalse(store.consumeToken("within-skew", T0.minusSeconds(5)),
                "a mark whose token still verifies within the clock skew refuses a replay");
        assertTrue(store.findSession("old").isEmpty());
        assertTrue(store.findSession("new").isPresent());
    }

    @Test
    void an_interrupted_start_is_settled_and_an_in_flight_one_is_not() throws Exception {
        WorkspaceRecord interrupted = new WorkspaceRecord("id-half", "carol", "main", "main.carol.codermon.internal",
                null, WorkspaceState.STARTING, "gone-ref", T0, T0);
        store.insert(interrupted);

        CountDownLatch starting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WorkspaceRuntime slow = new ExplodingRuntime() {
            @Override
            public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
                starting.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.start(spec);
            }
        };
        WorkspaceService slowService = new WorkspaceService(store, slow, tempDir.resolve("workspaces"),
                (user, name) -> name + "." + user + ".codermon.internal", new WorkspaceLimits(5, 20, 2), clock);
        WorkspaceMonitor slowMonitor = new WorkspaceMonitor(store, slow, slowService,
                new Reconciler(store, slow, new HealthProbe()::isHealthy), socket -> true,
                new MonitorSettings(Duration.ofSeconds(15), IDLE, DeadPolicy.MARK), clock);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> start = pool.submit(() -> slowService.start("dave", "main"));
            assertTrue(starting.await(10, TimeUnit.SECONDS));
            WorkspaceMonitor.PassResult result = slowMonitor.pass();
            assertEquals(1, result.settled());
            assertEquals(WorkspaceState.STOPPED, store.find("id-half").orElseThrow().state());
            assertEquals(WorkspaceState.STARTING, store.findByUserAndName("dave", "main").orElseThrow().state(),
                    "a start in progress is not touched");
            release.countDown();
            start.get(10, TimeUnit.SECONDS);
            assertEquals(WorkspaceState.RUNNING, store.findByUserAndName("dave", "main").orElseThrow().state());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void passes_never_overlap() throws Exception {
        CountDownLatch inProbe = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WorkspaceMonitor monitor = monitor(DeadPolicy.MARK, socket -> {
            inProbe.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        });
        running("alice");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<WorkspaceMonitor.PassResult> first = pool.submit(monitor::pass);
            assertTrue(inProbe.await(10, TimeUnit.SECONDS));
            assertNull(monitor.pass(), "a second pass does not start while one runs");
            release.countDown();
            assertEquals(1, first.get(10, TimeUnit.SECONDS).running());
            assertNotNull(monitor.pass());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void the_scheduler_runs_passes_until_closed() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        WorkspaceMonitor monitor = new WorkspaceMonitor(store, runtime, workspaces,
                new Reconciler(store, runtime, new HealthProbe()::isHealthy), socket -> probes.incrementAndGet() > 0,
                new MonitorSettings(Duration.ofMillis(100), IDLE, DeadPolicy.MARK), clock);
        running("alice");
        WorkspaceRecord broken = running("bob");
        explodingRefs.add(broken.runtimeRef());
        monitor.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (probes.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(probes.get() >= 3, "the monitor kept passing despite a failing workspace");
        } finally {
            monitor.close();
        }
        int after = probes.get();
        Thread.sleep(400);
        assertEquals(after, probes.get(), "no pass runs after close");
    }

    /** Delegates to the fake runtime, but throws when asked about one of {@link #explodingRefs}. */
    private class ExplodingRuntime implements WorkspaceRuntime {
        @Override
        public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
            return fake.start(spec);
        }

        @Override
        public void stop(String runtimeRef) {
            fake.stop(runtimeRef);
        }

        @Override
        public boolean recognizes(String runtimeRef) {
            return fake.recognizes(runtimeRef);
        }

        @Override
        public boolean isAlive(String runtimeRef) {
            if (explodingRefs.contains(runtimeRef)) {
                throw new IllegalStateException("runtime cannot be asked about " + runtimeRef);
            }
            return fake.isAlive(runtimeRef);
        }

        @Override
        public void remove(String workspaceId) {
            fake.remove(workspaceId);
        }
    }
}
