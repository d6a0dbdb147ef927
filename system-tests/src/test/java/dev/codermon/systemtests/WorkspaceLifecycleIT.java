package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.DockerNames;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A workspace's whole life on the real Docker daemon (what scripts/lifecycle-test checked): created,
 * reached through the proxy, kept alive by traffic, reaped when idle (route and container gone, volume
 * kept), started again with the user's file kept, deleted (container and volume gone). Idle timeout 8 s,
 * monitor every second, activity written every 2 s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES)
class WorkspaceLifecycleIT {

    private static final String NOTE = "kept across stop and start";
    private Codermon codermon;
    private Api api;
    private Api.Workspace ws;
    private ProxyClient asAlice;
    private final Docker docker = Docker.shared();

    @BeforeAll
    void start() {
        codermon = Codermon.create("WorkspaceLifecycleIT").env("CODERMON_IDLE_TIMEOUT", "8s")
                .env("CODERMON_MONITOR_INTERVAL", "1s").env("CODERMON_ACTIVITY_INTERVAL", "2s");
        codermon.start();
        api = new Api(codermon);
        ws = api.workspaceFor("alice");
        asAlice = ProxyClient.basic(codermon, "alice", ws.token());
    }

    @AfterAll
    void stop() {
        if (codermon != null) {
            codermon.close();
        }
    }

    private String container() {
        return DockerNames.containerName(ws.id());
    }

    private String state() {
        return api.state(ws.id(), ws.token());
    }

    private int healthz() {
        return asAlice.status(ws.url() + "healthz");
    }

    @Test
    @Order(1)
    void a_created_workspace_runs_as_a_labelled_container_reachable_through_the_proxy() {
        assertEquals("RUNNING", state(), "workspace created and RUNNING");
        assertEquals("true alice", docker.inspect("{{.State.Running}}", container()) + " "
                + docker.label(container(), DockerNames.USER_LABEL), "it runs as a labelled container");
        assertEquals(200, healthz(), "reachable through the proxy");
        Commands.Result write = docker.run("exec", container(), "sh", "-c",
                "echo \"" + NOTE + "\" > /home/coder/project/notes.txt");
        assertEquals(0, write.exit(), "writing a file in the workspace: " + write.out());
    }

    @Test
    @Order(2)
    void traffic_through_the_proxy_keeps_it_running() {
        // Traffic every 2 s for 12 s, longer than the idle timeout (8 s): a paced load, not a wait.
        for (int i = 0; i < 6; i++) {
            healthz();
            Await.pause(Duration.ofSeconds(2));
        }
        assertEquals("RUNNING", state(), "kept alive by traffic through the proxy for 12 s (idle timeout 8 s)");
    }

    @Test
    @Order(3)
    void an_idle_workspace_is_reaped_keeping_its_volume() {
        Await.equal("reaped once idle", Duration.ofSeconds(30), "STOPPED", this::state);
        // The proxy re-reads cached routes about once a second: a removed route is refused within that.
        Await.equal("the proxy refuses the reaped workspace within about a second", Duration.ofSeconds(3), 403,
                this::healthz);
        assertFalse(docker.containerExists(container()), "its container is gone");
        assertTrue(docker.volumeExists(DockerNames.volumeName(ws.id())), "its volume is kept");
    }

    @Test
    @Order(4)
    void started_again_it_has_the_users_file_and_is_reachable() {
        assertEquals("RUNNING", api.call("POST", "/api/workspaces/" + ws.id() + "/start", ws.token(), null).field("state"),
                "started again" + codermon.tails());
        assertEquals(NOTE, docker.run("exec", container(), "cat", "/home/coder/project/notes.txt").out().strip(),
                "the user's file is still there");
        assertEquals(200, healthz(), "reachable through the proxy again");
    }

    @Test
    @Order(5)
    void deleted_it_leaves_no_container_and_no_volume() {
        assertEquals(204, api.call("DELETE", "/api/workspaces/" + ws.id(), ws.token(), null).status(), "deleted");
        assertFalse(docker.containerExists(container()), "container removed");
        assertFalse(docker.volumeExists(DockerNames.volumeName(ws.id())), "volume removed");
    }
}
