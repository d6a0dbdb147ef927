package dev.codermon.controlplane.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.ControlPlaneStore;
import dev.codermon.auth.route.Leadership;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.FlakyStore;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.workspace.WorkspaceLimits;
import dev.codermon.controlplane.workspace.WorkspaceService;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor as one of several control planes: it acts only while it leads, and never on a store error. */
class ClusteredMonitorTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Duration GRACE = Duration.ofSeconds(90);
    private static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");

    /** Leads whatever the test says; counts how often it was asked. */
    static final class FakeLeadership implements Leadership {
        final Set<String> led = ConcurrentHashMap.newKeySet();
        final Map<String, Integer> asked = new ConcurrentHashMap<>();
        volatile boolean closed;

        @Override
        public boolean leads(String job) {
            asked.merge(job, 1, Integer::sum);
            return led.contains(job);
        }

        @Override
        public void close() {
            closed = true;
            led.clear();
        }
    }

    @TempDir
    Path tempDir;
    SqliteRouteStore sqlite;
    final FlakyStore flaky = new FlakyStore();
    ControlPlaneStore store;
    final FakeRuntime fake = new FakeRuntime();
    final Set<String> unhealthy = ConcurrentHashMap.newKeySet();
    final MutableClock clock = new MutableClock(T0);
    final FakeLeadership leadership = new FakeLeadership();
    final ClusterJobs jobs = new ClusterJobs(leadership, "replica-1", GRACE);
    WorkspaceService workspaces;
    WorkspaceMonitor monitor;

    @BeforeEach
    void setUp() {
        sqlite = SqliteRouteStore.open(tempDir.resolve("routes.db"));
        store = flaky.wrap(sqlite);
        fake.startDelay(Duration.ZERO);
        workspaces = new WorkspaceService(store, fake, tempDir.resolve("workspaces"),
                (user, name) -> name + "." + user + ".codermon.internal", new WorkspaceLimits(5, 20, 2), clock, GRACE);
        monitor = new WorkspaceMonitor(store, fake, workspaces, new Reconciler(store, fake, new HealthProbe()),
                socket -> !unhealthy.contains(socket), new MonitorSettings(Duration.ofSeconds(15), IDLE, DeadPolicy.MARK),
                clock, jobs);
    }

    @AfterEach
    void tearDown() {
        monitor.close();
        sqlite.close();
    }

    private WorkspaceRecord current(WorkspaceRecord r) {
        return sqlite.find(r.id()).orElseThrow();
    }

    @Test
    void a_replica_that_does_not_lead_neither_reaps_nor_marks_dead() {
        WorkspaceRecord idle = workspaces.start("alice", "main").record();
        WorkspaceRecord dead = workspaces.start("bob", "main").record();
        fake.crash(dead.runtimeRef());
        clock.set(T0.plus(IDLE).plusSeconds(1));

        assertNull(monitor.pass());
        assertEquals(WorkspaceState.RUNNING, current(idle).state());
        assertEquals(WorkspaceState.RUNNING, current(dead).state());
        assertEquals(1, leadership.asked.get(ClusterJobs.MONITOR));
        assertFalse(leadership.asked.containsKey(ClusterJobs.PRUNING), "no pass, so no pruning either");

        leadership.led.add(ClusterJobs.MONITOR);
        WorkspaceMonitor.PassResult result = monitor.pass();
        assertNotNull(result);
        assertEquals(1, result.reaped());
        assertEquals(1, result.dead());
        assertEquals(Map.of(ClusterJobs.MONITOR, true, ClusterJobs.PRUNING, false), jobs.lastSeen());
    }

    @Test
    void a_replica_that_loses_leadership_stops_acting_at_its_next_pass() {
        leadership.led.add(ClusterJobs.MONITOR);
        WorkspaceRecord ws = workspaces.start("alice", "main").record();
        assertNotNull(monitor.pass());
        assertEquals(WorkspaceState.RUNNING, current(ws).state());

        leadership.led.remove(ClusterJobs.MONITOR);
        fake.crash(ws.runtimeRef());
        assertNull(monitor.pass());
        assertEquals(WorkspaceState.RUNNING, current(ws).state(), "the new leader's to mark, not this one's");
        assertEquals(false, jobs.lastSeen().get(ClusterJobs.MONITOR));
    }

    @Test
    void while_the_store_is_down_passes_are_skipped_and_nothing_is_marked_dead_then_they_converge() {
        leadership.led.addAll(List.of(ClusterJobs.MONITOR, ClusterJobs.PRUNING));
        WorkspaceRecord alive = workspaces.start("alice", "main").record();
        WorkspaceRecord dies = workspaces.start("bob", "main").record();

        flaky.down = true;
        fake.crash(dies.runtimeRef());
        for (int i = 0; i < 3; i++) {
            assertNull(monitor.pass(), "pass " + i + " while the store is down");
        }
        assertTrue(flaky.failures() >= 3);
        assertEquals(WorkspaceState.RUNNING, current(alive).state());
        assertEquals(WorkspaceState.RUNNING, current(dies).state());
        assertTrue(fake.stopped.isEmpty(), "nothing stopped for a store error");

        flaky.down = false;
        WorkspaceMonitor.PassResult result = monitor.pass();
        assertEquals(1, result.dead(), String.valueOf(result));
        assertEquals(WorkspaceState.RUNNING, current(alive).state());
        assertEquals(WorkspaceState.FAILED, current(dies).state());
    }

    @Test
    void the_store_failing_mid_pass_ends_the_pass_without_marking_anything() {
        leadership.led.add(ClusterJobs.MONITOR);
        WorkspaceRecord ws = workspaces.start("alice", "main").record();
        fake.crash(ws.runtimeRef());
        flaky.failWhen((method, args) -> method.equals("update"));
        assertNull(monitor.pass());
        assertEquals(WorkspaceState.RUNNING, current(ws).state());
        flaky.failWhen((method, args) -> false);
        assertEquals(1, monitor.pass().dead());
    }

    @Test
    void another_replicas_start_in_flight_is_settled_only_after_the_grace() {
        leadership.led.add(ClusterJobs.MONITOR);
        // As another replica leaves it between its insert and its RUNNING: its lock is not in this process.
        WorkspaceRecord starting = new WorkspaceRecord("id-elsewhere", "carol", "main", "main.carol.codermon.internal",
                null, WorkspaceState.STARTING, null, T0, T0);
        sqlite.insert(starting);

        assertEquals(0, monitor.pass().settled());
        clock.advance(GRACE.minusSeconds(1));
        assertEquals(0, monitor.pass().settled());
        assertEquals(WorkspaceState.STARTING, current(starting).state());

        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, monitor.pass().settled(), "unchanged for the grace: interrupted");
        assertEquals(WorkspaceState.STOPPED, current(starting).state());
    }

    @Test
    void a_start_that_finishes_within_the_grace_is_left_alone() {
        leadership.led.add(ClusterJobs.MONITOR);
        WorkspaceRecord starting = new WorkspaceRecord("id-elsewhere", "carol", "main", "main.carol.codermon.internal",
                null, WorkspaceState.STARTING, null, T0, T0);
        sqlite.insert(starting);
        assertEquals(0, monitor.pass().settled());
        fake.pretendAlive("fake-77");
        sqlite.update(starting.withUpstream(FakeRuntime.socketOf("fake-77"), "fake-77").withState(WorkspaceState.RUNNING));
        clock.advance(GRACE.plusSeconds(5));
        WorkspaceMonitor.PassResult result = monitor.pass();
        assertEquals(0, result.settled());
        assertEquals(0, result.dead());
        assertEquals(WorkspaceState.RUNNING, current(starting).state());
    }

    @Test
    void reconcile_with_other_replicas_leaves_their_unfinished_changes_to_the_monitor() {
        WorkspaceRecord starting = new WorkspaceRecord("id-elsewhere", "carol", "main", "main.carol.codermon.internal",
                null, WorkspaceState.STARTING, null, T0, T0);
        sqlite.insert(starting);
        Reconciler reconciler = new Reconciler(store, fake, new HealthProbe());
        assertEquals(new Reconciler.Result(1, 0), reconciler.reconcile(true));
        assertEquals(WorkspaceState.STARTING, current(starting).state());
        assertEquals(new Reconciler.Result(0, 1), reconciler.reconcile(false));
        assertEquals(WorkspaceState.STOPPED, current(starting).state());
    }

    @Test
    void a_replica_asks_only_for_the_jobs_it_runs() {
        leadership.led.add(ClusterJobs.MONITOR);
        assertEquals(Map.of(ClusterJobs.MONITOR, true, ClusterJobs.PRUNING, false), jobs.leadsNow());
        assertFalse(leadership.asked.containsKey(ClusterJobs.PROVIDER_RECHECK),
                "a replica without OpenID Connect must not hold the re-check's lock");
        monitor.every(Duration.ofHours(1), "re-check", ClusterJobs.PROVIDER_RECHECK, () -> { });
        assertEquals(Map.of(ClusterJobs.MONITOR, true, ClusterJobs.PRUNING, false, ClusterJobs.PROVIDER_RECHECK, false),
                jobs.leadsNow());
    }

    @Test
    void releasing_hands_every_job_back() {
        leadership.led.add(ClusterJobs.MONITOR);
        assertTrue(jobs.leads(ClusterJobs.MONITOR));
        jobs.release();
        assertTrue(leadership.closed);
        assertEquals(false, jobs.lastSeen().get(ClusterJobs.MONITOR));
        assertFalse(jobs.leads(ClusterJobs.MONITOR));
    }

    @Test
    void a_leadership_that_throws_counts_as_not_leading() {
        ClusterJobs broken = new ClusterJobs(new Leadership() {
            @Override
            public boolean leads(String job) {
                throw new IllegalStateException("connection reset");
            }

            @Override
            public void close() {
            }
        }, "replica-2", GRACE);
        assertFalse(broken.leads(ClusterJobs.MONITOR));
    }

    @Test
    void the_only_control_plane_always_leads_and_settles_at_once() {
        ClusterJobs alone = ClusterJobs.alone("solo");
        assertTrue(alone.leads(ClusterJobs.MONITOR));
        assertEquals(Duration.ZERO, alone.othersChangeGrace());
    }
}
