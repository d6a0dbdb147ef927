package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.TokenIssuer;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.controlplane.ApiFixture;
import dev.codermon.controlplane.runtime.FakeRuntime;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import static dev.codermon.controlplane.ApiFixture.delete;
import static dev.codermon.controlplane.ApiFixture.get;
import static dev.codermon.controlplane.ApiFixture.json;
import static dev.codermon.controlplane.ApiFixture.post;
import static dev.codermon.controlplane.api.TokenApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


class WorkspaceApiTest extends TwoUserApiTest {

    @Test
    void create_starts_the_workspace_and_writes_a_running_route() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response r = post(client, "/api/workspaces", alice, "{\"name\":\"dev\"}");
            String body = r.body().string();
            assertEquals(201, r.code(), body);
            JsonNode ws = ApiFixture.JSON.readTree(body);
            assertEquals("alice", ws.get("user").asText());
            assertEquals("dev", ws.get("name").asText());
            assertEquals("RUNNING", ws.get("state").asText());
            assertEquals("dev.alice.codermon.internal", ws.get("hostname").asText());
            assertEquals("http://dev.alice.codermon.internal/", ws.get("url").asText());
            assertEquals("http://localhost:5000", ws.get("proxy").asText());
            Instant.parse(ws.get("createdAt").asText());
            Instant.parse(ws.get("lastActivityAt").asText());

            Route route = fixture.store.findRoute("dev.alice.codermon.internal").orElseThrow();
            assertEquals(ws.get("id").asText(), route.workspaceId());
            assertEquals("alice", route.user());
            assertEquals(FakeRuntime.socketOf(fixture.store.find(route.workspaceId()).orElseThrow().runtimeRef()),
                    route.upstreamSocket());
            assertFalse(body.contains(".sock"), "the API shows nothing of code-server's socket: " + body);
            assertEquals(1, fixture.runtime.starts.get());
            assertEquals(fixture.workspacesDir.resolve(ws.get("id").asText()),
                    fixture.runtime.started.get(0).directory());
        });
    }

    @Test
    void name_defaults_to_main_when_body_is_empty_or_has_no_name() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response first = post(client, "/api/workspaces", alice, "");
            assertEquals(201, first.code());
            assertEquals("main", json(first).get("name").asText());
            Response second = post(client, "/api/workspaces", alice, "{}");
            assertEquals(200, second.code());
            assertEquals(json(first).get("id"), json(second).get("id"));
        });
    }

    @Test
    void creating_the_same_name_twice_returns_the_same_workspace() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response first = post(client, "/api/workspaces", alice, "{\"name\":\"main\"}");
            Response second = post(client, "/api/workspaces", alice, "{\"name\":\"main\"}");
            assertEquals(201, first.code());
            assertEquals(200, second.code());
            assertEquals(json(first).get("id"), json(second).get("id"));
            assertEquals(1, fixture.runtime.starts.get());
            Response other = post(client, "/api/workspaces", alice, "{\"name\":\"other\"}");
            assertEquals(201, other.code());
            assertNotEquals(json(first).get("id"), json(other).get("id"));
        });
    }

    @Test
    void concurrent_creates_of_one_name_start_one_process() throws Exception {
        fixture.runtime.startDelay(Duration.ofMillis(300));
        JavalinTest.test(fixture.app, (server, client) -> {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Callable<Response>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    calls.add(() -> post(client, "/api/workspaces", alice, "{\"name\":\"main\"}"));
                }
                Set<String> ids = new HashSet<>();
                int created = 0;
                for (Future<Response> f : pool.invokeAll(calls)) {
                    Response r = f.get();
                    assertTrue(r.code() == 200 || r.code() == 201, r.body().string());
                    created += r.code() == 201 ? 1 : 0;
                    ids.add(json(r).get("id").asText());
                }
                assertEquals(1, ids.size());
                assertEquals(1, created);
                assertEquals(1, fixture.runtime.starts.get());
                assertEquals(1, fixture.store.listByUser("alice").size());
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void list_get_and_delete_own_workspace() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}")).get("id").asText();
            String ref = fixture.store.find(id).orElseThrow().runtimeRef();
            Files.createDirectories(fixture.workspacesDir.resolve(id).resolve("project"));
            Files.writeString(fixture.workspacesDir.resolve(id).resolve("project/notes.txt"), "hi");

            Response list = get(client, "/api/workspaces", alice);
            assertEquals(200, list.code());
            assertEquals(1, json(list).size());
            assertEquals(id, json(list).get(0).get("id").asText());

            Response one = get(client, "/api/workspaces/" + id, alice);
            assertEquals(200, one.code());
            assertEquals("RUNNING", json(one).get("state").asText());

            Response gone = delete(client, "/api/workspaces/" + id, alice);
            assertEquals(204, gone.code());
            assertTrue(fixture.runtime.stopped.contains(ref));
            assertFalse(fixture.runtime.isAlive(ref));
            assertTrue(fixture.store.find(id).isEmpty());
            assertTrue(fixture.store.findRoute("main.alice.codermon.internal").isEmpty());
            assertEquals(List.of(id), fixture.runtime.removed, "the runtime drops the workspace's files");
            assertError(get(client, "/api/workspaces/" + id, alice), 404, "not_found");
            assertError(delete(client, "/api/workspaces/" + id, alice), 404, "not_found");
            assertEquals(0, json(get(client, "/api/workspaces", alice)).size());
        });
    }

    @Test
    void the_admin_key_gets_stops_starts_and_deletes_any_workspace_but_opens_none() {
        String admin = ApiFixture.ADMIN_KEY;
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}")).get("id").asText();
            String ref = fixture.store.find(id).orElseThrow().runtimeRef();

            Response one = get(client, "/api/workspaces/" + id, admin);
            assertEquals(200, one.code());
            assertEquals("alice", json(one).get("user").asText());

            Response stopped = post(client, "/api/workspaces/" + id + "/stop", admin, "");
            assertEquals(200, stopped.code());
            assertEquals("STOPPED", json(stopped).get("state").asText());
            assertTrue(fixture.runtime.stopped.contains(ref));
            assertEquals(WorkspaceState.STOPPED, fixture.store.find(id).orElseThrow().state());

            Response started = post(client, "/api/workspaces/" + id + "/start", admin, "");
            assertEquals(200, started.code());
            assertEquals("RUNNING", json(started).get("state").asText());
            assertEquals("alice", fixture.store.find(id).orElseThrow().user(), "still alice's workspace");

            // A sign-in link opens a session as the owner: only the owner may ask for one.
            assertEquals(401, post(client, "/api/workspaces/" + id + "/open", admin, "").code());
            assertError(get(client, "/api/workspaces/no-such-id", admin), 404, "not_found");
            assertError(post(client, "/api/workspaces/no-such-id/stop", admin, ""), 404, "not_found");

            assertEquals(204, delete(client, "/api/workspaces/" + id, admin).code());
            assertTrue(fixture.store.find(id).isEmpty());
            assertEquals(List.of(id), fixture.runtime.removed);
        });
    }

    @Test
    void apps_are_every_port_the_runtime_reports_8080_too() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}")).get("id").asText();
            WorkspaceRecord running = fixture.store.find(id).orElseThrow();
            // code-server listens on a unix socket, so every TCP port is an app, 8080 (its old port) too.
            fixture.runtime.listen(running.runtimeRef(), List.of(3000, 8080));

            Response apps = get(client, "/api/workspaces/" + id + "/apps", alice);
            assertEquals(200, apps.code(), apps.body().string());
            JsonNode list = json(apps);
            assertEquals(2, list.size(), list.toString());
            assertEquals(3000, list.get(0).get("port").asInt());
            assertEquals("http://3000.main.alice.codermon.internal/", list.get(0).get("url").asText());
            assertEquals(8080, list.get(1).get("port").asInt());
            assertError(get(client, "/api/workspaces/" + id + "/apps", bob), 404, "not_found");

            // A workspace on a node that is not reporting: only that node can look inside it.
            String other = json(post(client, "/api/workspaces", alice, "{\"name\":\"other\"}")).get("id").asText();
            fixture.runtime.portsUnavailable("node n2 is not reporting, so the workspace's apps cannot be listed now");
            Response later = get(client, "/api/workspaces/" + other + "/apps", alice);
            assertEquals("5", later.headers().get("Retry-After").get(0));
            String raw = later.body().string();
            assertEquals(503, later.code(), raw);
            JsonNode why = ApiFixture.JSON.readTree(raw);
            assertEquals("node_unavailable", why.get("error").asText(), raw);
            assertEquals("node n2 is not reporting, so the workspace's apps cannot be listed now; try again in a few"
                    + " seconds", why.get("detail").asText());
        });
    }

    @Test
    void an_app_link_takes_only_a_port_written_plainly() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}")).get("id").asText();
            String link = json(post(client, "/api/workspaces/" + id + "/open?port=8501", alice, "")).get("url")
                    .asText();
            assertTrue(link.startsWith("http://8501.main.alice.codermon.internal/"), link);
            for (String bad : new String[] {"08501", "0", "65536", "-1", "80a"}) {
                assertError(post(client, "/api/workspaces/" + id + "/open?port=" + bad, alice, ""), 400,
                        "invalid_port");
            }
        });
    }

    @Test
    void apps_asked_for_in_a_loop_are_listed_once_per_two_seconds() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}")).get("id").asText();
            fixture.runtime.listen(fixture.store.find(id).orElseThrow().runtimeRef(), List.of(5173));
            int before = fixture.runtime.portListings();
            for (int i = 0; i < 20; i++) {
                Response apps = get(client, "/api/workspaces/" + id + "/apps", alice);
                assertEquals(200, apps.code());
                assertEquals(5173, json(apps).get(0).get("port").asInt());
            }
            // 20 answers well within 2 s (a listing is a docker exec, or a job on the workspace's node).
            assertEquals(1, fixture.runtime.portListings() - before, "the runtime listed the ports once");
        });
    }

    @Test
    void a_delete_whose_cleanup_fails_keeps_the_record_so_it_can_be_asked_for_again() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}")).get("id").asText();
            fixture.runtime.failRemovesWith("volume is busy");
            Response failed = delete(client, "/api/workspaces/" + id, alice);
            assertEquals(500, failed.code(), failed.body().string());
            WorkspaceRecord kept = fixture.store.find(id).orElseThrow();
            assertTrue(fixture.store.findRoute(kept.hostname()).isEmpty(), "no route to a half-deleted workspace");

            fixture.runtime.failRemovesWith(null);
            assertEquals(204, delete(client, "/api/workspaces/" + id, alice).code());
            assertTrue(fixture.store.find(id).isEmpty());
            assertEquals(List.of(id), fixture.runtime.removed);
        });
    }

    @Test
    void another_users_workspace_looks_like_it_does_not_exist() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}")).get("id").asText();
            post(client, "/api/workspaces", bob, "{\"name\":\"main\"}");

            Response notYours = get(client, "/api/workspaces/" + id, bob);
            Response missing = get(client, "/api/workspaces/no-such-id", bob);
            assertError(notYours, 404, "not_found");
            assertEquals(404, missing.code());
            assertEquals(json(missing).get("error"), json(get(client, "/api/workspaces/" + id, bob)).get("error"));
            assertError(delete(client, "/api/workspaces/" + id, bob), 404, "not_found");
            assertTrue(fixture.store.find(id).isPresent(), "bob's delete must not touch alice's workspace");

            JsonNode bobs = json(get(client, "/api/workspaces", bob));
            assertEquals(1, bobs.size());
            assertEquals("bob", bobs.get(0).get("user").asText());
            assertNotEquals(id, bobs.get(0).get("id").asText());
            assertEquals("main.bob.codermon.internal", bobs.get(0).get("hostname").asText());
        });
    }

    @Test
    void missing_invalid_or_expired_tokens_are_401_with_json() {
        TestTokens otherKey = new TestTokens();
        TokenIssuer pastIssuer = new TokenIssuer(fixture.tokens.privateKey(),
                Clock.fixed(Instant.now().minus(Duration.ofHours(3)), ZoneOffset.UTC));
        String expired = pastIssuer.issue("alice", Duration.ofHours(1)).token();
        JavalinTest.test(fixture.app, (server, client) -> {
            Response none = client.get("/api/workspaces");
            assertError(none, 401, "unauthorized");
            assertTrue(none.headers().get("WWW-Authenticate").get(0).startsWith("Bearer"));
            assertError(get(client, "/api/workspaces", "not-a-jwt"), 401, "unauthorized");
            assertError(get(client, "/api/workspaces", otherKey.tokenFor("alice")), 401, "unauthorized");
            // The admin key may look at any workspace; this one does not exist.
            assertError(get(client, "/api/workspaces/some-id", ApiFixture.ADMIN_KEY), 404, "not_found");
            assertError(post(client, "/api/workspaces", ApiFixture.ADMIN_KEY, "{}"), 401, "unauthorized");
            Response old = get(client, "/api/workspaces", expired);
            assertEquals(401, old.code());
            assertTrue(json(old).get("detail").asText().contains("expired"));
            assertError(post(client, "/api/workspaces", null, "{}"), 401, "unauthorized");
            Response cookieOnly = client.request("/api/workspaces", b -> b.get().header("Cookie",
                    "codermon_session=" + alice));
            assertEquals(401, cookieOnly.code());
            assertEquals(0, fixture.runtime.starts.get());
        });
    }

    @Test
    void invalid_name_or_json_is_400() {
        JavalinTest.test(fixture.app, (server, client) -> {
            assertError(post(client, "/api/workspaces", alice, "{\"name\":\"Main\"}"), 400, "invalid_name");
            assertError(post(client, "/api/workspaces", alice, "{\"name\":\"a.b\"}"), 400, "invalid_name");
            assertError(post(client, "/api/workspaces", alice, "{\"name\":\"-x\"}"), 400, "invalid_name");
            assertError(post(client, "/api/workspaces", alice, "{\"name\":\"\"}"), 400, "invalid_name");
            assertError(post(client, "/api/workspaces", alice, "[1,2"), 400, "invalid_json");
            assertError(post(client, "/api/workspaces", alice, "{\"name\":42}"), 400, "invalid_name");
            assertEquals(0, fixture.runtime.starts.get());
        });
    }

    @Test
    void start_failure_is_503_and_leaves_a_failed_record_without_route() {
        fixture.runtime.failStartsWith("code-server exited with status 1");
        JavalinTest.test(fixture.app, (server, client) -> {
            Response r = post(client, "/api/workspaces", alice, "{\"name\":\"main\"}");
            assertError(r, 503, "start_failed");
            assertTrue(json(r).get("detail").asText().contains("exited with status 1"));
            WorkspaceRecord rec = fixture.store.findByUserAndName("alice", "main").orElseThrow();
            assertEquals(WorkspaceState.FAILED, rec.state());
            assertTrue(fixture.store.findRoute(rec.hostname()).isEmpty());
            assertEquals("FAILED", json(get(client, "/api/workspaces/" + rec.id(), alice)).get("state").asText());

            fixture.runtime.failStartsWith(null);
            Response retry = post(client, "/api/workspaces", alice, "{\"name\":\"main\"}");
            assertEquals(200, retry.code());
            assertEquals(rec.id(), json(retry).get("id").asText());
            assertEquals("RUNNING", json(retry).get("state").asText());
            assertTrue(fixture.store.findRoute(rec.hostname()).isPresent());
        });
    }

    @Test
    void a_running_workspace_whose_process_died_is_started_again() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            String firstRef = fixture.store.find(id).orElseThrow().runtimeRef();
            fixture.runtime.crash(firstRef);
            Response again = post(client, "/api/workspaces", alice, "{}");
            assertEquals(200, again.code());
            assertEquals(id, json(again).get("id").asText());
            assertEquals(2, fixture.runtime.starts.get());
            String secondRef = fixture.store.find(id).orElseThrow().runtimeRef();
            assertNotEquals(firstRef, secondRef);
            assertTrue(fixture.runtime.isAlive(secondRef));
        });
    }
}
