package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.ApiFixture;
import dev.codermon.controlplane.workspace.SingleUserRuntimeException;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import static dev.codermon.controlplane.ApiFixture.ADMIN_KEY;
import static dev.codermon.controlplane.ApiFixture.delete;
import static dev.codermon.controlplane.ApiFixture.get;
import static dev.codermon.controlplane.ApiFixture.json;
import static dev.codermon.controlplane.ApiFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** Checks that a runtime serving one user (local processes) refuses everyone else's workspaces. */
class SingleUserRuntimeApiTest extends TwoUserApiTest {

    @Test
    void another_users_create_is_409_single_user_runtime_and_leaves_nothing_behind() {
        fixture.runtime.serveOnly("alice");
        JavalinTest.test(fixture.app, (server, client) -> {
            assertEquals(201, post(client, "/api/workspaces", alice, "{\"name\":\"main\"}").code());

            Response refused = post(client, "/api/workspaces", bob, "{\"name\":\"main\"}");
            String raw = refused.body().string();
            assertEquals(409, refused.code(), raw);
            JsonNode body = ApiFixture.JSON.readTree(raw);
            assertEquals("single_user_runtime", body.get("error").asText(), raw);
            String detail = body.get("detail").asText();
            for (String s : new String[] {"for alice only", "not for bob", "Docker runtime",
                    "CODERMON_RUNTIME=docker"}) {
                assertTrue(detail.contains(s), s + " missing from: " + detail);
            }
            assertEquals(0, json(get(client, "/api/workspaces", bob)).size());
        });
        assertTrue(fixture.store.findByUserAndName("bob", "main").isEmpty(), "a record was made for bob");
        assertEquals(1, fixture.runtime.starts.get(), "code-server was started for bob");
        assertEquals(List.of("alice"), fixture.runtime.started.stream().map(s -> s.user()).toList());
    }

    @Test
    void a_workspace_left_from_another_user_is_not_started_but_may_be_deleted() {
        Instant now = Instant.now();
        fixture.store.insert(new WorkspaceRecord("id-bobs", "bob", "main", "main.bob.codermon.internal", null,
                WorkspaceState.STOPPED, null, now, now));
        fixture.runtime.serveOnly("alice");
        JavalinTest.test(fixture.app, (server, client) -> {
            Response byBob = post(client, "/api/workspaces/id-bobs/start", bob, "");
            assertEquals(409, byBob.code());
            assertEquals("single_user_runtime", json(byBob).get("error").asText());
            Response byAdmin = post(client, "/api/workspaces/id-bobs/start", ADMIN_KEY, "");
            assertEquals(409, byAdmin.code());
            assertEquals("single_user_runtime", json(byAdmin).get("error").asText());
            assertEquals("STOPPED", json(get(client, "/api/workspaces/id-bobs", bob)).get("state").asText());
            assertEquals(204, delete(client, "/api/workspaces/id-bobs", bob).code());
        });
        assertEquals(0, fixture.runtime.starts.get());
        assertTrue(fixture.store.find("id-bobs").isEmpty());
    }

    @Test
    void the_service_itself_refuses_another_user_whatever_calls_it() {
        fixture.runtime.serveOnly("alice");
        SingleUserRuntimeException e = assertThrows(SingleUserRuntimeException.class,
                () -> fixture.workspaces.start("bob", "main"));
        assertTrue(e.getMessage().contains("for alice only"), e.getMessage());
        assertEquals(0, fixture.runtime.starts.get());
        assertEquals(WorkspaceState.RUNNING, fixture.workspaces.start("alice", "main").record().state());
    }

    @Test
    void at_start_other_users_running_workspaces_are_stopped_and_their_files_kept() {
        WorkspaceRecord alices = fixture.workspaces.start("alice", "main").record();
        WorkspaceRecord bobs = fixture.workspaces.start("bob", "main").record();
        Instant now = Instant.now();
        fixture.store.insert(new WorkspaceRecord("id-container", "bob", "box", "box.bob.codermon.internal",
                "/run/other.sock", WorkspaceState.RUNNING, "other-container", now, now));

        fixture.runtime.serveOnly("alice");
        assertEquals(1, fixture.workspaces.stopUnservedUsers());

        WorkspaceRecord bobsNow = fixture.store.find(bobs.id()).orElseThrow();
        assertEquals(WorkspaceState.STOPPED, bobsNow.state());
        assertEquals(null, bobsNow.runtimeRef());
        assertTrue(bobsNow.route().isEmpty(), "bob's route outlived the stop");
        assertEquals(List.of(bobs.runtimeRef()), fixture.runtime.stopped);
        assertEquals(List.of(), fixture.runtime.removed, "bob's files were removed");
        assertEquals(WorkspaceState.RUNNING, fixture.store.find(alices.id()).orElseThrow().state());
        assertEquals(WorkspaceState.RUNNING, fixture.store.find("id-container").orElseThrow().state(),
                "another runtime's instance is not this runtime's to stop");
        assertEquals(0, fixture.workspaces.stopUnservedUsers(), "a second pass finds nothing left");
    }
}
