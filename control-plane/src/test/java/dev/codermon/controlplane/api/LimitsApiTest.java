package dev.codermon.controlplane.api;

import dev.codermon.controlplane.ApiFixture;
import static dev.codermon.controlplane.ApiFixture.json;
import static dev.codermon.controlplane.ApiFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LimitsApiTest {

    @TempDir
    Path tempDir;
    ApiFixture fixture;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void limits(int perUser, int total, int concurrentStarts) {
        fixture = new ApiFixture(tempDir, perUser, total, concurrentStarts);
    }

    @Test
    void a_user_at_the_per_user_limit_gets_429_without_retry_after() {
        limits(2, 20, 2);
        String alice = fixture.tokens.tokenFor("alice");
        JavalinTest.test(fixture.app, (server, client) -> {
            assertEquals(201, post(client, "/api/workspaces", alice, "{\"name\":\"one\"}").code());
            String two = json(post(client, "/api/workspaces", alice, "{\"name\":\"two\"}")).get("id").asText();
            post(client, "/api/workspaces/" + two + "/stop", alice, "");

            Response third = post(client, "/api/workspaces", alice, "{\"name\":\"three\"}");
            String detail = assertLimit(third);
            assertTrue(detail.contains("2"), detail);
            List<String> retry = third.headers().get("Retry-After");
            assertTrue(retry == null || retry.isEmpty(), "waiting does not help: delete one");
            assertEquals(2, fixture.store.listByUser("alice").size());

            assertEquals(200, post(client, "/api/workspaces", alice, "{\"name\":\"one\"}").code(),
                    "an existing workspace is not refused");
            assertEquals(200, post(client, "/api/workspaces/" + two + "/start", alice, "").code(),
                    "starting an existing workspace is not refused");
            assertEquals(201, post(client, "/api/workspaces", fixture.tokens.tokenFor("bob"), "{}").code(),
                    "the limit is per user");
        });
    }

    @Test
    void the_total_limit_counts_running_workspaces_and_says_when_to_retry() {
        limits(3, 2, 2);
        String alice = fixture.tokens.tokenFor("alice");
        String bob = fixture.tokens.tokenFor("bob");
        JavalinTest.test(fixture.app, (server, client) -> {
            String a = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            assertEquals(201, post(client, "/api/workspaces", bob, "{}").code());

            Response refused = post(client, "/api/workspaces", bob, "{\"name\":\"more\"}");
            assertLimit(refused);
            assertTrue(Integer.parseInt(refused.headers().get("Retry-After").get(0)) > 0);
            assertTrue(fixture.store.findByUserAndName("bob", "more").isEmpty(), "nothing is recorded");

            post(client, "/api/workspaces/" + a + "/stop", alice, "");
            assertEquals(201, post(client, "/api/workspaces", bob, "{\"name\":\"more\"}").code(),
                    "a stopped workspace frees its slot");
            assertLimit(post(client, "/api/workspaces/" + a + "/start", alice, ""));
            assertEquals(3, fixture.runtime.starts.get());
        });
    }

    @Test
    void starts_beyond_the_concurrency_cap_get_429_with_retry_after() throws Exception {
        limits(3, 20, 1);
        fixture.runtime.startDelay(Duration.ofMillis(800));
        JavalinTest.test(fixture.app, (server, client) -> {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Callable<Response>> calls = new ArrayList<>();
                for (String user : new String[] {"alice", "bob", "carol"}) {
                    String token = fixture.tokens.tokenFor(user);
                    calls.add(() -> post(client, "/api/workspaces", token, "{}"));
                }
                int created = 0;
                int limited = 0;
                for (Future<Response> f : pool.invokeAll(calls)) {
                    Response r = f.get();
                    if (r.code() == 201) {
                        created++;
                    } else {
                        assertLimit(r);
                        assertTrue(Integer.parseInt(r.headers().get("Retry-After").get(0)) > 0);
                        limited++;
                    }
                }
                assertEquals(1, created);
                assertEquals(2, limited);
                assertEquals(1, fixture.runtime.starts.get());
                assertEquals(1, fixture.store.listAll().size(), "refused starts leave no record");
            } finally {
                pool.shutdownNow();
            }
        });
    }

    private static String assertLimit(Response r) throws Exception {
        String raw = r.body().string();
        assertEquals(429, r.code(), raw);
        var body = ApiFixture.JSON.readTree(raw);
        assertEquals("limit_reached", body.get("error").asText(), raw);
        assertFalse(body.get("detail").asText().isBlank());
        return body.get("detail").asText();
    }
}
