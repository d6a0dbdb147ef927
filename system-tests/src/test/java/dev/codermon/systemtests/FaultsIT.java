package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.auth.DockerNames;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Fault tests with the real processes (what scripts/faults checked): the control plane killed, a workspace
 * killed, the control plane killed mid-start, the disk under the store full (CODERMON_HOME on a 96 MiB
 * tmpfs), and a dockerd restarted under a running control plane (a second daemon of this test's own).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class FaultsIT extends WithTwoUsers {

    private final Docker docker = Docker.shared();
    private Codermon codermon;
    private boolean mounted;
    private Codermon second;
    private SecondDockerd dockerd;

    @BeforeAll
    void start() {
        codermon = Codermon.create("FaultsIT").env("CODERMON_MONITOR_INTERVAL", "2s");
        Commands.Result mount = Commands.run(Duration.ofSeconds(20), "mount", "-t", "tmpfs", "-o", "size=96m,mode=0700",
                "codermon-faults", codermon.home().toString());
        assertEquals(0, mount.exit(), "mounting a tmpfs under CODERMON_HOME (needs root): " + mount.out());
        mounted = true;
        startWithTwoUsers(codermon);
    }

    @AfterAll
    void stop() {
        if (second != null) {
            second.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
        if (codermon != null) {
            codermon.close();
            if (mounted) {
                Commands.run(Duration.ofSeconds(20), "umount", codermon.home().toString());
            }
            Codermon.deleteTree(codermon.home());
        }
    }

    @Test
    @Order(1)
    void the_proxy_serves_every_route_while_the_control_plane_is_dead() {
        codermon.killControlPlane();
        int errors = 0;
        for (int i = 0; i < 100; i++) {
            errors += asAlice.status(alice.url() + "healthz") == 200 ? 0 : 1;
            errors += asBob.status(bob.url() + "healthz") == 200 ? 0 : 1;
        }
        assertEquals(0, errors, "control plane killed: 200 requests over both routes, errors");
        codermon.startControlPlane();
        Await.equal("a restarted control plane keeps alice's workspace", Duration.ofSeconds(30), "RUNNING",
                () -> api.state(alice.id(), alice.token()));
    }

    @Test
    @Order(2)
    void a_killed_workspace_gets_a_clear_502_is_marked_failed_and_starts_again() {
        assertEquals(0, docker.run("kill", DockerNames.containerName(alice.id())).exit(), "docker kill alice's container");
        Await.equal("workspace killed: the proxy answers 502 with a reason", Duration.ofMillis(500),
                "workspace is not answering 502", () -> {
                    ProxyClient.Reply r = asAlice.get(alice.url() + "healthz");
                    return r.body().replace("\n", "") + " " + r.status();
                });
        Await.equal("the monitor marks the killed workspace FAILED", Duration.ofSeconds(60), "FAILED",
                () -> api.state(alice.id(), alice.token()));
        // The proxy re-reads cached routes every second: the removed route is refused within a few.
        Await.equal("after the monitor, the proxy refuses the dead route within 5 s", Duration.ofSeconds(5), 403,
                () -> asAlice.status(alice.url() + "healthz"));
        assertEquals(200, api.call("POST", "/api/workspaces/" + alice.id() + "/start", alice.token(), null).status(),
                "a new start of the killed workspace succeeds" + codermon.tails());
        Await.equal("the restarted workspace answers through the proxy", Duration.ofSeconds(10), 200,
                () -> asAlice.status(alice.url() + "healthz"));
    }

    @Test
    @Order(3)
    void a_start_interrupted_by_kill_9_is_settled_without_orphans() {
        String carol = api.token("carol", "1h");
        String instance = codermon.instanceLabel();
        CompletableFuture<Api.Reply> creator = CompletableFuture.supplyAsync(() -> api.create(carol, "mid"));
        try {
            Await.condition("carol's container exists", Duration.ofSeconds(10), () -> !docker.containers(
                    Map.of(DockerNames.USER_LABEL, "carol", DockerNames.INSTANCE_LABEL, instance)).isEmpty());
        } catch (AssertionError e) {
            System.out.println("killing the control plane before carol's container appeared: " + e.getMessage());
        }
        codermon.killControlPlane();
        creator.handle((r, e) -> r).join();
        System.out.println("carol's workspace after kill -9 mid-start: " + carolState());
        assertEquals("ok", codermon.integrity(), "the store passes integrity_check after kill -9");
        codermon.startControlPlane();
        String settled = Await.until("the interrupted start is settled (no record left STARTING)", Duration.ofSeconds(60),
                this::carolState, s -> !s.equals("STARTING"));
        System.out.println("settled as: " + settled);
        int orphans = 0;
        for (String c : docker.containers(Map.of(DockerNames.INSTANCE_LABEL, instance))) {
            String ws = docker.label(c, DockerNames.WORKSPACE_LABEL);
            String state = codermon.store(s -> s.find(ws)).map(r -> r.state().name()).orElse("none");
            boolean running = "true".equals(docker.inspect("{{.State.Running}}", c));
            // A container is accounted for when its record is RUNNING (and it runs) or it is stopped.
            if (state.equals("none") || (running && !state.equals("RUNNING"))) {
                orphans++;
            }
        }
        assertEquals(0, orphans, "no orphan container (every running container has a RUNNING record)");
        if (settled.equals("RUNNING")) {
            String id = carolRecord().orElseThrow().id();
            assertEquals("true", docker.inspect("{{.State.Running}}", DockerNames.containerName(id)),
                    "carol's settled workspace has a running container");
        }
    }

    private Optional<WorkspaceRecord> carolRecord() {
        return codermon.store(s -> s.listByUser("carol").stream().findFirst());
    }

    private String carolState() {
        return carolRecord().map(r -> r.state().name()).orElse("none");
    }

    @Test
    @Order(4)
    void a_full_disk_gives_clear_errors_and_no_corruption() throws IOException {
        String dave = api.token("dave", "1h");
        Path filler = codermon.home().resolve("filler");
        fill(filler, 200);
        Api.Reply full = api.create(dave, "main");
        System.out.println("create with a full disk: " + full.status() + " " + full.body());
        assertEquals(5, full.status() / 100, "disk full: create fails with a 5xx: " + full.status());
        assertFalse(full.field("error").isEmpty(), "disk full: the error is JSON with an error field: " + full.body());
        int errors = 0;
        for (int i = 0; i < 20; i++) {
            errors += asBob.status(bob.url() + "healthz") == 200 ? 0 : 1;
        }
        assertEquals(0, errors, "disk full: the proxy keeps serving (20 requests, errors)");
        assertEquals(200, api.healthz(), "disk full: the control plane stays up");
        Files.delete(filler);
        assertEquals("ok", codermon.integrity(), "space back: the store passes integrity_check");
        int again = api.create(dave, "main").status();
        assertTrue(again == 200 || again == 201, "space back: a create works (201 or 200): " + again);
        assertEquals(1, codermon.store(s -> s.listByUser("dave")).size(), "space back: exactly one record for dave");
    }

    /** Writes up to MiB zeros into the file, stopping quietly when the disk is full. */
    private static void fill(Path file, int mib) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                out.write(chunk);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    @Test
    @Order(5)
    void a_restarted_dockerd_leaves_the_control_plane_up_and_the_workspace_recoverable() throws IOException {
        codermon.stop();
        dockerd = SecondDockerd.create();
        dockerd.start();
        Commands.Result load = dockerd.load(Tools.image());
        assertEquals(0, load.exit(), "a second dockerd with the image: " + load.out());
        second = Codermon.create("FaultsIT-dockerd", dockerd.docker(), "unix://" + dockerd.socket());
        second.start();
        Api api2 = new Api(second);
        Api.Workspace erin = api2.workspaceFor("erin");
        ProxyClient asErin = ProxyClient.basic(second, "erin", erin.token());
        assertEquals(200, asErin.status(erin.url() + "healthz"), "second daemon: erin's workspace answers");
        dockerd.halt();
        assertEquals(200, api2.healthz(), "dockerd down: the control plane stays up");
        int down = api2.create(erin.token(), "other").status();
        assertEquals(5, down / 100, "dockerd down: a create fails with a 5xx: " + down);
        dockerd.start();
        Await.equal("after the restart the monitor marks the stopped workspace FAILED", Duration.ofSeconds(60),
                WorkspaceState.FAILED.name(), () -> api2.state(erin.id(), erin.token()));
        Await.equal("its route is gone from the proxy", Duration.ofSeconds(5), 403,
                () -> asErin.status(erin.url() + "healthz"));
        assertEquals(200, api2.call("POST", "/api/workspaces/" + erin.id() + "/start", erin.token(), null).status(),
                "a new start after the restart succeeds" + second.tails());
        Await.equal("erin's workspace answers again", Duration.ofSeconds(10), 200,
                () -> asErin.status(erin.url() + "healthz"));
        assertEquals("ok", second.integrity(), "the store passes integrity_check");
    }
}
