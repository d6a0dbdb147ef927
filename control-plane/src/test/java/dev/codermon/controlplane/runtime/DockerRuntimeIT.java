package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
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
 * Runs workspaces as real containers of the locally built image on the real Docker daemon. Every
 * container and volume a test makes carries the test's instance label and is removed afterwards.
 */
class DockerRuntimeIT {

    private static final String IMAGE = Optional.ofNullable(System.getenv("CODERMON_IMAGE"))
            .filter(s -> !s.isBlank()).orElse("codermon/code-server:4.99.4");
    private static final String TEST_LABEL = "dev.codermon.test";
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static DockerDaemon daemon;
    private static DockerClient docker;

    @TempDir
    Path home;
    private final List<DockerRuntime> runtimes = new ArrayList<>();
    private ContainerLabels labels;

    @BeforeAll
    static void requireDockerAndImage() {
        String host = Optional.ofNullable(System.getenv("DOCKER_HOST")).filter(s -> !s.isBlank())
                .orElse("unix:///var/run/docker.sock");
        try {
            daemon = DockerDaemon.connect(host);
        } catch (IllegalStateException e) {
            fail("no Docker daemon: " + e.getMessage() + "; scripts/test installs docker.io and starts dockerd");
        }
        docker = daemon.client();
        if (!daemon.hasImage(IMAGE)) {
            fail("image " + IMAGE + " is missing; build it with scripts/build-image");
        }
    }

    @AfterAll
    static void closeDocker() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @BeforeEach
    void labelsOfThisTest() {
        labels = ContainerLabels.forHome(home);
    }

    @AfterEach
    void removeEverythingThisTestMade() {
        runtimes.forEach(DockerRuntime::close);
        for (String filter : List.of(ContainerLabels.INSTANCE + "=" + labels.instance(),
                TEST_LABEL + "=" + labels.instance())) {
            for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(filter)).exec()) {
                try {
                    docker.removeContainerCmd(c.getId()).withForce(true).exec();
                } catch (NotFoundException alreadyGone) {
                    // removed by the test itself
                }
            }
        }
        docker.listVolumesCmd().withFilter("label", List.of(ContainerLabels.INSTANCE + "=" + labels.instance()))
                .exec().getVolumes().forEach(v -> {
                    try {
                        docker.removeVolumeCmd(v.getName()).exec();
                    } catch (NotFoundException alreadyGone) {
                        // removed by the test itself
                    }
                });
    }

    @Test
    void a_hardened_container_is_ready_on_loopback_keeps_files_across_stop_and_start_and_is_removed()
            throws Exception {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        WorkspaceSpec spec = spec("alice", "main");
        String volume = ContainerBlueprint.volumeName(spec.id());

        RuntimeHandle first = runtime.start(spec);
        assertEquals("127.0.0.1", first.host());
        assertEquals(ContainerBlueprint.containerName(spec.id()), first.runtimeRef());
        assertTrue(runtime.isAlive(first.runtimeRef()));
        HttpResponse<String> health = get(first.port(), "/healthz");
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("\"status\""), health.body());

        assertHardened(docker.inspectContainerCmd(first.runtimeRef()).exec(), spec, first.port());
        assertEquals("1000", exec(first.runtimeRef(), "id", "-u").strip(), "code-server must not run as root");

        exec(first.runtimeRef(), "sh", "-c", "echo kept-across-restarts > /home/coder/project/notes.txt");
        assertEquals("ro", exec(first.runtimeRef(), "sh", "-c",
                "awk '$2 == \"/\" { split($4, o, \",\"); print o[1] }' /proc/mounts").strip(),
                "the root file system is mounted read-only");
        exec(first.runtimeRef(), "sh", "-c", "echo scratch > /tmp/scratch");

        runtime.stop(first.runtimeRef());
        assertFalse(runtime.isAlive(first.runtimeRef()));
        assertThrows(NotFoundException.class, () -> docker.inspectContainerCmd(first.runtimeRef()).exec(),
                "stopping removes the container");
        assertNotNull(docker.inspectVolumeCmd(volume).exec(), "stopping keeps the volume");

        RuntimeHandle second = runtime.start(spec);
        assertEquals(first.port(), second.port(), "a workspace keeps its host port across stop and start");
        assertEquals("kept-across-restarts", exec(second.runtimeRef(), "cat", "/home/coder/project/notes.txt")
                .strip());

        runtime.stop(second.runtimeRef());
        runtime.remove(spec.id());
        assertThrows(NotFoundException.class, () -> docker.inspectContainerCmd(second.runtimeRef()).exec());
        assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd(volume).exec(),
                "removing drops the volume");
        assertTrue(runtime.managedContainers().isEmpty());
    }

    @Test
    void two_concurrent_starts_of_one_workspace_make_one_container() throws Exception {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        WorkspaceSpec spec = spec("bob", "main");
        CountDownLatch go = new CountDownLatch(1);
        Callable<RuntimeHandle> start = () -> {
            go.await();
            return runtime.start(spec);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<RuntimeHandle> a = pool.submit(start);
            Future<RuntimeHandle> b = pool.submit(start);
            go.countDown();
            RuntimeHandle ha = a.get(120, TimeUnit.SECONDS);
            RuntimeHandle hb = b.get(120, TimeUnit.SECONDS);
            assertEquals(ha, hb, "both callers get the same container");
            assertEquals(List.of(ha.runtimeRef()), runtime.managedContainers());
            assertEquals(200, get(ha.port(), "/healthz").statusCode());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_start_that_does_not_become_ready_in_time_leaves_no_container_but_keeps_the_files() {
        DockerRuntime runtime = runtime(Duration.ofMillis(1));
        WorkspaceSpec spec = spec("carol", "main");
        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec));
        assertTrue(e.getMessage().contains("did not answer /healthz"), e.getMessage());
        assertTrue(runtime.managedContainers().isEmpty(), "the container must be removed");
        assertThrows(NotFoundException.class,
                () -> docker.inspectContainerCmd(ContainerBlueprint.containerName(spec.id())).exec());
        assertNotNull(docker.inspectVolumeCmd(ContainerBlueprint.volumeName(spec.id())).exec(),
                "the workspace's files are kept");
    }

    @Test
    void a_container_this_control_plane_did_not_create_is_never_adopted_or_touched() {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        WorkspaceSpec spec = spec("dave", "main");
        String name = ContainerBlueprint.containerName(spec.id());
        docker.createContainerCmd(IMAGE).withName(name).withLabels(Map.of(TEST_LABEL, labels.instance())).exec();

        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec));
        assertTrue(e.getMessage().contains("did not create"), e.getMessage());
        assertFalse(runtime.isAlive(name));
        runtime.stop(name);
        runtime.remove(spec.id());
        assertNotNull(docker.inspectContainerCmd(name).exec(), "a foreign container is left alone");
    }

    @Test
    void references_that_are_not_container_names_of_ours_are_ignored() {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        assertFalse(runtime.isAlive("12345"), "a process id from the local runtime is not a container");
        assertFalse(runtime.isAlive(null));
        runtime.stop("12345");
        runtime.stop("codermon-no-such-workspace");
    }

    private static void assertHardened(InspectContainerResponse c, WorkspaceSpec spec, int port) {
        HostConfig host = c.getHostConfig();
        Ports.Binding[] requested = host.getPortBindings().getBindings().get(ExposedPort.tcp(8080));
        assertEquals(1, requested.length);
        assertEquals("127.0.0.1", requested[0].getHostIp(), "published on loopback only");
        assertEquals(Integer.toString(port), requested[0].getHostPortSpec());
        Ports.Binding[] actual = c.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(8080));
        assertTrue(Arrays.stream(actual).allMatch(b -> "127.0.0.1".equals(b.getHostIp())),
                "no binding on any other address: " + Arrays.toString(actual));

        assertEquals("1000:1000", c.getConfig().getUser());
        assertFalse(Boolean.TRUE.equals(host.getPrivileged()));
        assertEquals(List.of(Capability.ALL), Arrays.asList(host.getCapDrop()));
        assertTrue(host.getCapAdd() == null || host.getCapAdd().length == 0);
        assertTrue(host.getSecurityOpts().contains("no-new-privileges:true"), host.getSecurityOpts().toString());
        assertEquals(2L << 30, host.getMemory());
        assertEquals(2L << 30, host.getMemorySwap(), "no swap on top of the memory limit");
        assertEquals(1_000_000_000L, host.getNanoCPUs());
        assertEquals(512L, host.getPidsLimit());
        assertTrue(Boolean.TRUE.equals(host.getInit()), "an init reaps orphaned processes");
        assertTrue(Boolean.TRUE.equals(host.getReadonlyRootfs()), "the root file system is read-only");

        assertTrue(host.getBinds() == null || host.getBinds().length == 0, "no host path is bind-mounted");
        assertEquals(1, c.getMounts().size(), "only the workspace volume is mounted: " + c.getMounts());
        InspectContainerResponse.Mount m = c.getMounts().get(0);
        assertEquals(ContainerBlueprint.volumeName(spec.id()), m.getName());
        assertEquals("/home/coder", m.getDestination().getPath());
        assertFalse(String.valueOf(m.getSource()).contains("docker.sock"));

        Map<String, String> l = c.getConfig().getLabels();
        assertEquals("codermon", l.get("dev.codermon.managed-by"));
        assertEquals(spec.id(), l.get("dev.codermon.workspace"));
        assertEquals(spec.user(), l.get("dev.codermon.user"));
        assertNotNull(l.get("dev.codermon.instance"));
    }

    private DockerRuntime runtime(Duration readyTimeout) {
        PortAllocator ports = PortAllocator.open(home.resolve("ports.db"), PortRange.defaults(),
                Duration.ofMinutes(10), Clock.systemUTC());
        // A second client for the runtime, so that closing it leaves the test's client open.
        DockerDaemon own = DockerDaemon.connect(Optional.ofNullable(System.getenv("DOCKER_HOST"))
                .filter(s -> !s.isBlank()).orElse("unix:///var/run/docker.sock"));
        DockerRuntime runtime = DockerRuntime.create(own, IMAGE, ContainerLimits.defaults(), home, ports,
                new HealthProbe(), readyTimeout);
        runtimes.add(runtime);
        return runtime;
    }

    private WorkspaceSpec spec(String user, String name) {
        return new WorkspaceSpec("it-" + UUID.randomUUID(), user, name, name + "." + user + ".codermon.internal",
                home.resolve("workspaces"));
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String exec(String container, String... command) throws InterruptedException {
        String id = docker.execCreateCmd(container).withCmd(command).withAttachStdout(true).withAttachStderr(true)
                .exec().getId();
        StringBuilder out = new StringBuilder();
        docker.execStartCmd(id).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        Long status = docker.inspectExecCmd(id).exec().getExitCodeLong();
        assertEquals(0L, status, String.join(" ", command) + " failed: " + out);
        return out.toString();
    }
}
