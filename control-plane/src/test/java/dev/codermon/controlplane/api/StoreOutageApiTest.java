package dev.codermon.controlplane.api;

import static dev.codermon.controlplane.ApiFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.ApiFixture;
import dev.codermon.controlplane.FlakyStore;
import dev.codermon.controlplane.monitor.DeadPolicy;
import dev.codermon.controlplane.monitor.MonitorSettings;
import dev.codermon.controlplane.monitor.Reconciler;
import dev.codermon.controlplane.monitor.WorkspaceMonitor;
import dev.codermon.controlplane.runtime.HealthProbe;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API while the store cannot be reached: a clear 503, nothing half-done, and all well once it is back. */
class StoreOutageApiTest {

    @TempDir
    Path tempDir;
    final FlakyStore flaky = new FlakyStore();
    ApiFixture fixture;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static void assertStoreUnavailable(Response r) throws Exception {
        String body = r.body().string();
        assertEquals(503, r.code(), body);
        JsonNode error = ApiFixture.JSON.readTree(body);
        assertEquals("store_unavailable", error.get("error").asText());
        assertEquals("the store is unavailable; try again in a few seconds", error.get("detail").asText());
        assertEquals("5", r.headers().get("Retry-After").get(0));
    }

    @Test
    void a_create_while_the_store_is_down_gets_503_and_starts_nothing() {
        fixture = new ApiFixture(tempDir, flaky::wrap);
        String alice = fixture.tokens.tokenFor("alice");
        JavalinTest.test(fixture.app, (server, client) -> {
            flaky.down = true;
            assertStoreUnavailable(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}"));
            assertStoreUnavailable(ApiFixture.get(client, "/api/workspaces", alice));
            assertEquals(0, fixture.runtime.starts.get(), "no instance without a record");

            flaky.down = false;
            Response again = post(client, "/api/workspaces", alice, "{\"name\":\"main\"}");
            assertEquals(201, again.code(), again.body().string());
            assertEquals(1, fixture.store.listAll().size());
            assertEquals(1, fixture.runtime.starts.get());
        });
    }

    @Test
    void a_store_failure_after_the_instance_started_stops_it_and_the_monitor_settles_the_record() {
        fixture = new ApiFixture(tempDir, flaky::wrap);
        String alice = fixture.tokens.tokenFor("alice");
        WorkspaceMonitor monitor = new WorkspaceMonitor(fixture.served, fixture.runtime, fixture.workspaces,
                new Reconciler(fixture.served, fixture.runtime, new HealthProbe()), socket -> true,
                new MonitorSettings(Duration.ofMinutes(1), Duration.ofMinutes(30), DeadPolicy.MARK), Clock.systemUTC());
        JavalinTest.test(fixture.app, (server, client) -> {
            // The record goes in (STARTING), the instance starts, then the store goes away before RUNNING is written.
            flaky.failWhen((method, args) -> method.equals("update")
                    && ((WorkspaceRecord) args[0]).state() == WorkspaceState.RUNNING);
            assertStoreUnavailable(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}"));
            assertEquals(1, fixture.runtime.starts.get());
            assertEquals(java.util.List.of("fake-1"), fixture.runtime.stopped, "the started instance was stopped");
            assertFalse(fixture.runtime.isAlive("fake-1"));
            WorkspaceRecord left = fixture.store.findByUserAndName("alice", "main").orElseThrow();
            assertEquals(WorkspaceState.STARTING, left.state());
            assertTrue(left.route().isEmpty(), "no route to an instance that is gone");

            flaky.down = true;
            assertEquals(null, monitor.pass(), "no pass while the store is down");
            assertEquals(WorkspaceState.STARTING, fixture.store.find(left.id()).orElseThrow().state());

            flaky.down = false;
            flaky.failWhen((method, args) -> false);
            WorkspaceMonitor.PassResult pass = monitor.pass();
            assertEquals(1, pass.settled(), String.valueOf(pass));
            assertEquals(WorkspaceState.STOPPED, fixture.store.find(left.id()).orElseThrow().state());
            Response again = post(client, "/api/workspaces", alice, "{\"name\":\"main\"}");
            assertEquals(200, again.code(), again.body().string());
            assertEquals(WorkspaceState.RUNNING, fixture.store.find(left.id()).orElseThrow().state());
            assertEquals(1, fixture.store.listAll().size());
        });
        monitor.close();
    }
}
