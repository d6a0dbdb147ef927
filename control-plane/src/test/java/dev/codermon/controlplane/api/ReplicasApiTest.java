package dev.codermon.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.ApiFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two control planes on one store, as several replicas behind one name are. */
class ReplicasApiTest {

    private static final int ROUNDS = 12;

    @TempDir
    Path tempDir;
    ApiFixture one;
    ApiFixture two;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ExecutorService pool = Executors.newFixedThreadPool(2);

    @BeforeEach
    void setUp() {
        ApiFixture[] replicas = ApiFixture.replicas(tempDir, Duration.ofSeconds(10));
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
        // Slow enough that the second request often finds the first one's STARTING record.
        one.runtime.startDelay(Duration.ofMillis(150));
        for (int round = 0; round < ROUNDS; round++) {
            // Three workspaces per user, the most one may have: the third one's loser must not count the
            // winner's record as one more of the user's.
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
            JsonNode ja = ApiFixture.JSON.readTree(ra.body());
            JsonNode jb = ApiFixture.JSON.readTree(rb.body());
            assertEquals(ja.get("id").asText(), jb.get("id").asText(), "both answer with the one workspace");
            assertEquals("RUNNING", ja.get("state").asText());
            assertEquals("RUNNING", jb.get("state").asText());
        }
        List<WorkspaceRecord> all = one.store.listAll();
        assertEquals(ROUNDS, all.size(), "one record per (user, name)");
        assertEquals(ROUNDS, one.runtime.starts.get(), "one instance started per workspace");
        assertEquals(List.of(), one.runtime.stopped, "no second instance was started and stopped again");
        for (WorkspaceRecord r : all) {
            assertEquals(WorkspaceState.RUNNING, r.state());
            assertTrue(one.runtime.isAlive(r.runtimeRef()));
        }
    }

    @Test
    void a_create_on_one_replica_while_the_other_starts_it_waits_and_answers_as_a_repeat() throws Exception {
        String token = one.tokens.tokenFor("alice");
        one.runtime.startDelay(Duration.ofMillis(1500));
        Future<HttpResponse<String>> first = pool.submit(() -> create(one, token, "main"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (two.store.findByUserAndName("alice", "main").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(WorkspaceState.STARTING, two.store.findByUserAndName("alice", "main").orElseThrow().state());
        HttpResponse<String> second = create(two, token, "main");
        assertEquals(200, second.statusCode(), second.body());
        assertEquals(201, first.get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(1, one.runtime.starts.get());
        assertEquals(1, one.store.listAll().size());
    }

    @Test
    void cluster_status_names_the_replica_and_is_for_the_admin_only() throws Exception {
        HttpRequest asAdmin = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + one.app.port() + "/api/cluster"))
                .header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY).build();
        HttpResponse<String> r = http.send(asAdmin, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = ApiFixture.JSON.readTree(r.body());
        assertEquals("local", body.get("replica").asText());
        assertTrue(body.get("leads").has("workspace-monitor"), r.body());
        HttpRequest asUser = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + one.app.port() + "/api/cluster"))
                .header("Authorization", "Bearer " + one.tokens.tokenFor("alice")).build();
        assertEquals(401, http.send(asUser, HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
