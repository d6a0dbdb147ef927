package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.ApiFixture;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import static dev.codermon.controlplane.ApiFixture.ADMIN_KEY;
import static dev.codermon.controlplane.ApiFixture.delete;
import static dev.codermon.controlplane.ApiFixture.get;
import static dev.codermon.controlplane.ApiFixture.json;
import static dev.codermon.controlplane.ApiFixture.post;
import static dev.codermon.controlplane.api.TokenApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


class LifecycleApiTest extends TwoUserApiTest {

    @Test
    void another_runtimes_workspace_is_409_for_stop_start_delete_and_create() {
        Instant now = Instant.now();
        fixture.store.insert(new WorkspaceRecord("id-theirs", "alice", "main", "main.alice.codermon.internal",
                "/run/codermon-other/code-server.sock", WorkspaceState.RUNNING, "other-4242", now, now));
        JavalinTest.test(fixture.app, (server, client) -> {
            Response stop = post(client, "/api/workspaces/id-theirs/stop", alice, "");
            assertError(stop, 409, "other_runtime");
            assertTrue(json(stop).get("detail").asText().contains("--runtime"), stop.body().string());
            assertError(post(client, "/api/workspaces/id-theirs/start", alice, ""), 409, "other_runtime");
            assertError(delete(client, "/api/workspaces/id-theirs", alice), 409, "other_runtime");
            assertError(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}"), 409, "other_runtime");
            // Looking is fine: it is still alice's, and still running as far as anyone here can tell.
            assertEquals("RUNNING", json(get(client, "/api/workspaces/id-theirs", alice)).get("state").asText());
        });
        assertEquals(WorkspaceState.RUNNING, fixture.store.find("id-theirs").orElseThrow().state());
        assertTrue(fixture.runtime.stopped.isEmpty());
        assertEquals(0, fixture.runtime.starts.get(), "no second instance was started beside it");
    }

    @Test
    void stop_removes_the_route_and_stops_the_process_but_keeps_the_files() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            String ref = fixture.store.find(id).orElseThrow().runtimeRef();
            Path notes = fixture.workspacesDir.resolve(id).resolve("project/notes.txt");
            Files.createDirectories(notes.getParent());
            Files.writeString(notes, "keep me");

            Response stopped = post(client, "/api/workspaces/" + id + "/stop", alice, "");
            assertEquals(200, stopped.code());
            JsonNode view = json(stopped);
            assertEquals("STOPPED", view.get("state").asText());
            assertTrue(view.get("uptimeSeconds").isNull());
            assertTrue(fixture.store.findRoute("main.alice.codermon.internal").isEmpty());
            assertFalse(fixture.runtime.isAlive(ref));
            assertTrue(fixture.runtime.stopped.contains(ref));
            WorkspaceRecord rec = fixture.store.find(id).orElseThrow();
            assertEquals(WorkspaceState.STOPPED, rec.state());
            assertEquals(null, rec.runtimeRef());
            assertEquals("keep me", Files.readString(notes));

            Response again = post(client, "/api/workspaces/" + id + "/stop", alice, "");
            assertEquals(200, again.code(), "stopping a stopped workspace is a no-op");
            assertEquals(1, fixture.runtime.stopped.size());
        });
    }

    @Test
    void start_brings_a_stopped_workspace_back_with_the_same_id_and_directory() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            post(client, "/api/workspaces/" + id + "/stop", alice, "");

            Response started = post(client, "/api/workspaces/" + id + "/start", alice, "");
            assertEquals(200, started.code());
            JsonNode view = json(started);
            assertEquals(id, view.get("id").asText());
            assertEquals("RUNNING", view.get("state").asText());
            assertTrue(view.get("uptimeSeconds").asLong() >= 0 && !view.get("uptimeSeconds").isNull());
            assertEquals(2, fixture.runtime.starts.get());
            assertEquals(fixture.runtime.started.get(0).directory(), fixture.runtime.started.get(1).directory());
            assertTrue(fixture.store.findRoute("main.alice.codermon.internal").isPresent());

            Response runningAlready = post(client, "/api/workspaces/" + id + "/start", alice, "");
            assertEquals(200, runningAlready.code());
            assertEquals(2, fixture.runtime.starts.get(), "starting a running workspace starts nothing");
        });
    }

    @Test
    void start_counts_as_activity_so_an_old_workspace_is_not_idle_right_away() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Instant before = Instant.now().minusMillis(5);
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            post(client, "/api/workspaces/" + id + "/stop", alice, "");
            JsonNode view = json(post(client, "/api/workspaces/" + id + "/start", alice, ""));
            assertFalse(Instant.parse(view.get("lastActivityAt").asText()).isBefore(before));
        });
    }

    @Test
    void stop_start_and_open_of_another_users_workspace_are_404() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            for (String action : new String[] {"stop", "start", "open"}) {
                assertError(post(client, "/api/workspaces/" + id + "/" + action, bob, ""), 404, "not_found");
            }
            assertEquals(WorkspaceState.RUNNING, fixture.store.find(id).orElseThrow().state());
        });
    }

    @Test
    void a_failed_start_by_id_is_503_and_leaves_the_workspace_failed() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            post(client, "/api/workspaces/" + id + "/stop", alice, "");
            fixture.runtime.failStartsWith("code-server exited with status 1");
            assertError(post(client, "/api/workspaces/" + id + "/start", alice, ""), 503, "start_failed");
            assertEquals(WorkspaceState.FAILED, fixture.store.find(id).orElseThrow().state());
            assertTrue(fixture.store.findRoute("main.alice.codermon.internal").isEmpty());
        });
    }

    @Test
    void list_shows_state_uptime_and_last_activity() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String running = json(post(client, "/api/workspaces", alice, "{\"name\":\"one\"}")).get("id").asText();
            String stopped = json(post(client, "/api/workspaces", alice, "{\"name\":\"two\"}")).get("id").asText();
            post(client, "/api/workspaces/" + stopped + "/stop", alice, "");

            JsonNode list = json(get(client, "/api/workspaces", alice));
            assertEquals(2, list.size());
            for (JsonNode ws : list) {
                assertTrue(ws.has("uptimeSeconds") && ws.has("lastActivityAt") && ws.has("state"), ws.toString());
                Instant.parse(ws.get("lastActivityAt").asText());
                if (ws.get("id").asText().equals(running)) {
                    assertEquals("RUNNING", ws.get("state").asText());
                    assertTrue(ws.get("uptimeSeconds").isIntegralNumber());
                } else {
                    assertEquals("STOPPED", ws.get("state").asText());
                    assertTrue(ws.get("uptimeSeconds").isNull());
                }
            }
        });
    }

    @Test
    void the_admin_key_lists_every_users_workspaces() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String a = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            String b = json(post(client, "/api/workspaces", bob, "{}")).get("id").asText();
            post(client, "/api/workspaces/" + b + "/stop", bob, "");

            Response all = get(client, "/api/workspaces", ADMIN_KEY);
            assertEquals(200, all.code());
            JsonNode list = json(all);
            assertEquals(2, list.size());
            Set<String> seen = new HashSet<>();
            for (JsonNode ws : list) {
                seen.add(ws.get("user").asText() + ":" + ws.get("state").asText());
                assertTrue(ws.has("uptimeSeconds") && ws.has("lastActivityAt"));
            }
            assertEquals(Set.of("alice:RUNNING", "bob:STOPPED"), seen);
            assertNotEquals(a, b);
            assertEquals(1, json(get(client, "/api/workspaces", alice)).size(), "a user still sees only theirs");
            assertError(get(client, "/api/workspaces", ADMIN_KEY + "x"), 401, "unauthorized");
        });
    }
}
