package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Stores;
import dev.codermon.auth.route.StoreSettings;
import dev.codermon.auth.route.TestPostgres;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.monitor.ClusterJobs;
import dev.codermon.controlplane.monitor.DeadPolicy;
import dev.codermon.controlplane.monitor.MonitorSettings;
import dev.codermon.controlplane.monitor.Reconciler;
import dev.codermon.controlplane.monitor.WorkspaceMonitor;
import dev.codermon.controlplane.runtime.HealthProbe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control planes on one real PostgreSQL: the same create sent to both at once gives one workspace and
 * one instance, and the advisory locks give the monitor to exactly one of them, and to the other once the
 * first lets go.
 */
class PostgresReplicasIT {

    private static final int ROUNDS = 12;
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static TestPostgres pg;

    @TempDir
    Path tempDir;
    ApiFixture one;
    ApiFixture two;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ExecutorService pool = Executors.newFixedThreadPool(2);

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @BeforeEach
    void setUp() {
        StoreSettings settings = pg.settings(pg.newDatabase());
        ApiFixture[] replicas = ApiFixture.replicas(tempDir, GRACE, () -> Stores.open(settings));
        one = replicas[0];
        two = replicas[1];
        one.app.start();
        two.app.start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        one.app.stop();
        two.app.stop();
        two.close();
        one.close();
    }

    private HttpResponse<String> create(ApiFixture replica, String token, String name) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.app.port()
                        + "/api/workspaces"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void the_same_create_on_two_replicas_at_once_gives_one_workspace_and_one_instance() throws Exception {
        one.runtime.startDelay(Duration.ofMillis(150));
        for (int round = 0; round < ROUNDS; round++) {
            String token = one.tokens.tokenFor("user" + round % (ROUNDS / 3));
            String name = "ws" + round;
            CountDownLatch go = new CountDownLatch(1);
            Future<HttpResponse<String>> a = pool.submit(() -> {
                go.await();
                return create(one, token, name);
            });
            Future<HttpResponse<String>> b = pool.submit(() -> {
                go.await();
                return create(two, token, name);
            });
            go.countDown();
            HttpResponse<String> ra = a.get(60, TimeUnit.SECONDS);
            HttpResponse<String> rb = b.get(60, TimeUnit.SECONDS);
            List<Integer> statuses = new ArrayList<>(List.of(ra.statusCode(), rb.statusCode()));
            statuses.sort(null);
            assertEquals(List.of(200, 201), statuses, name + ": " + ra.body() + " / " + rb.body());
            assertEquals(ApiFixture.JSON.readTree(ra.body()).get("id").asText(),
                    ApiFixture.JSON.readTree(rb.body()).get("id").asText());
        }
        List<WorkspaceRecord> all = one.store.listAll();
        assertEquals(ROUNDS, all.size(), "one record per (user, name)");
        assertEquals(ROUNDS, one.runtime.starts.get(), "one instance started per workspace");
        assertEquals(List.of(), one.runtime.stopped);
        for (WorkspaceRecord r : all) {
            assertEquals(WorkspaceState.RUNNING, r.state());
        }
    }

    @Test
    void the_advisory_lock_gives_the_monitor_to_one_replica_and_to_the_other_when_it_lets_go() {
        ClusterJobs jobsOne = new ClusterJobs(one.store.leadership(), "one", GRACE);
        ClusterJobs jobsTwo = new ClusterJobs(two.store.leadership(), "two", GRACE);
        WorkspaceMonitor monitorOne = monitor(one, jobsOne);
        WorkspaceMonitor monitorTwo = monitor(two, jobsTwo);
        try {
            WorkspaceRecord ws = one.workspaces.start("alice", "main").record();
            assertNotNull(monitorOne.pass(), "the first to ask leads");
            assertNull(monitorTwo.pass(), "the other does not pass");
            one.runtime.crash(ws.runtimeRef());
            assertNull(monitorTwo.pass());
            assertEquals(WorkspaceState.RUNNING, two.store.find(ws.id()).orElseThrow().state());

            jobsOne.release();
            WorkspaceMonitor.PassResult taken = monitorTwo.pass();
            assertNotNull(taken, "the lock was free again: the other replica took the monitor");
            assertEquals(1, taken.dead());
            assertNull(monitorOne.pass(), "the first one now follows");
            assertTrue(jobsTwo.lastSeen().get(ClusterJobs.MONITOR));
        } finally {
            monitorOne.close();
            monitorTwo.close();
        }
    }

    @Test
    void while_postgresql_is_stopped_creates_get_503_nothing_is_marked_and_all_converges_once_it_is_back()
            throws Exception {
        ClusterJobs jobsOne = new ClusterJobs(one.store.leadership(), "one", GRACE);
        ClusterJobs jobsTwo = new ClusterJobs(two.store.leadership(), "two", GRACE);
        WorkspaceMonitor monitorOne = monitor(one, jobsOne);
        WorkspaceMonitor monitorTwo = monitor(two, jobsTwo);
        try {
            assertEquals(201, create(one, one.tokens.tokenFor("alice"), "main").statusCode());
            HttpResponse<String> bobs = create(two, one.tokens.tokenFor("bob"), "main");
            assertEquals(201, bobs.statusCode());
            String bobRef = one.store.find(ApiFixture.JSON.readTree(bobs.body()).get("id").asText())
                    .orElseThrow().runtimeRef();
            assertNotNull(monitorOne.pass());
            int starts = one.runtime.starts.get();

            pg.stop();
            try {
                long before = System.nanoTime();
                HttpResponse<String> refused = create(two, one.tokens.tokenFor("carol"), "main");
                assertEquals(503, refused.statusCode(), refused.body());
                assertEquals("store_unavailable", ApiFixture.JSON.readTree(refused.body()).get("error").asText());
                assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(20), "fails fast, not after minutes");
                assertEquals(starts, one.runtime.starts.get(), "nothing started for a create the store refused");

                one.runtime.crash(bobRef);
                assertNull(monitorOne.pass(), "no pass while the store is down");
                assertNull(monitorTwo.pass(), "no pass while the store is down");
                assertEquals(List.of(), one.runtime.stopped, "nothing stopped for a store error");
            } finally {
                pg.restart();
            }

            // Converges: the create works again, one replica leads again and marks bob's dead workspace.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            HttpResponse<String> again = create(two, one.tokens.tokenFor("carol"), "main");
            while (again.statusCode() == 503 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                again = create(two, one.tokens.tokenFor("carol"), "main");
            }
            assertEquals(201, again.statusCode(), again.body());
            int dead = 0;
            int passes = 0;
            while (passes == 0 && System.nanoTime() < deadline) {
                for (WorkspaceMonitor m : List.of(monitorOne, monitorTwo)) {
                    WorkspaceMonitor.PassResult r = m.pass();
                    if (r != null) {
                        passes++;
                        dead += r.dead();
                    }
                }
                if (passes == 0) {
                    Thread.sleep(250);
                }
            }
            assertEquals(1, passes, "exactly one replica passes");
            assertEquals(1, dead);
            assertEquals(WorkspaceState.RUNNING, one.store.findByUserAndName("alice", "main").orElseThrow().state());
            assertEquals(WorkspaceState.FAILED, one.store.findByUserAndName("bob", "main").orElseThrow().state());
        } finally {
            monitorOne.close();
            monitorTwo.close();
        }
    }

    private static WorkspaceMonitor monitor(ApiFixture replica, ClusterJobs jobs) {
        return new WorkspaceMonitor(replica.served, replica.runtime, replica.workspaces,
                new Reconciler(replica.served, replica.runtime, new HealthProbe()), socket -> true,
                new MonitorSettings(Duration.ofMinutes(1), Duration.ofMinutes(30), DeadPolicy.MARK), Clock.systemUTC(),
                jobs);
    }
}
