package dev.codermon.controlplane.runtime;

import dev.codermon.auth.DockerNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import dev.codermon.auth.WorkspaceSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
    private static DockerDaemon daemon;
    private static DockerClient docker;

    @TempDir
    Path home;
    private final List<DockerRuntime> runtimes = new ArrayList<>();
    private String instance;

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
        instance = DockerNames.instanceOf(home);
    }

    @AfterEach
    void removeEverythingThisTestMade() {
        runtimes.forEach(DockerRuntime::close);
        for (String filter : List.of(DockerNames.INSTANCE_LABEL + "=" + instance,
                TEST_LABEL + "=" + instance)) {
            for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(filter)).exec()) {
                try {
                    docker.removeContainerCmd(c.getId()).withForce(true).exec();
                } catch (NotFoundException alreadyGone) {
                    // removed by the test itself
                }
            }
        }
        docker.listVolumesCmd().withFilter("label", List.of(DockerNames.INSTANCE_LABEL + "=" + instance))
                .exec().getVolumes().forEach(v -> {
                    try {
                        docker.removeVolumeCmd(v.getName()).exec();
                    } catch (NotFoundException alreadyGone) {
                        // removed by the test itself
                    }
                });
    }

    @Test
    void a_hardened_container_is_ready_on_its_socket_keeps_files_across_stop_and_start_and_is_removed()
            throws Exception {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        WorkspaceSpec spec = spec("alice", "main");
        String volume = DockerNames.volumeName(spec.id());

        RuntimeHandle first = runtime.start(spec);
        Path socket = home.resolve("sockets").resolve(spec.id()).resolve("code-server.sock");
        assertEquals(socket.toString(), first.socketPath());
        assertEquals(DockerNames.containerName(spec.id()), first.runtimeRef());
        assertTrue(runtime.isAlive(first.runtimeRef()));
        UnixHttp.Response health = UnixHttp.get(socket, spec.hostname(), "/healthz", Duration.ofSeconds(10));
        assertEquals(200, health.status());
        assertTrue(health.body().contains("\"status\""), health.body());

        assertHardened(docker.inspectContainerCmd(first.runtimeRef()).exec(), spec, socket.getParent());
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

        // The directory is locked (root's) and holds the old socket: the start resets it for code-server.
        RuntimeHandle second = runtime.start(spec);
        assertEquals(first.socketPath(), second.socketPath(), "a workspace's socket path is its own, always");
        assertEquals(200, UnixHttp.get(socket, spec.hostname(), "/healthz", Duration.ofSeconds(10)).status());
        assertEquals("kept-across-restarts", exec(second.runtimeRef(), "cat", "/home/coder/project/notes.txt")
                .strip());

        runtime.stop(second.runtimeRef());
        runtime.remove(spec.id());
        assertFalse(Files.exists(socket.getParent(), LinkOption.NOFOLLOW_LINKS), "removing drops the socket directory");
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
            assertEquals(200, UnixHttp.get(Path.of(ha.socketPath()), spec.hostname(), "/healthz",
                    Duration.ofSeconds(10)).status());
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
                () -> docker.inspectContainerCmd(DockerNames.containerName(spec.id())).exec());
        assertNotNull(docker.inspectVolumeCmd(DockerNames.volumeName(spec.id())).exec(),
                "the workspace's files are kept");
    }

    @Test
    void a_container_this_control_plane_did_not_create_is_never_adopted_or_touched() {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        WorkspaceSpec spec = spec("dave", "main");
        String name = DockerNames.containerName(spec.id());
        docker.createContainerCmd(IMAGE).withName(name).withLabels(Map.of(TEST_LABEL, instance)).exec();

        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec));
        assertTrue(e.getMessage().contains("did not create"), e.getMessage());
        assertFalse(runtime.isAlive(name));
        runtime.stop(name);
        runtime.remove(spec.id());
        assertNotNull(docker.inspectContainerCmd(name).exec(), "a foreign container is left alone");
    }

    @Test
    void the_workspace_cannot_replace_its_socket_and_code_server_has_no_tcp_port() throws Exception {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        WorkspaceSpec spec = spec("mallory", "main");
        RuntimeHandle h = runtime.start(spec);
        Path socket = Path.of(h.socketPath());
        Path dir = socket.getParent();

        InspectContainerResponse c = docker.inspectContainerCmd(h.runtimeRef()).exec();
        assertNoPublishedPort(c);
        assertEquals(List.of(), runtime.listeningPorts(h.runtimeRef()),
                "code-server listens on no TCP port inside the container either");
        assertEquals(200, UnixHttp.get(socket, spec.hostname(), "/healthz", Duration.ofSeconds(10)).status());

        assertEquals(0, Files.getAttribute(home.resolve("sockets"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals("rwx------", permissions(home.resolve("sockets")));
        assertEquals(0, Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                "the socket directory is taken back once the socket exists");
        assertEquals(0, Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals("rwx------", permissions(dir));

        // What the workspace's terminal can do (uid 1000): none of it may touch the socket.
        Path other = home.resolve("other.sock");
        for (String[] attempt : new String[][] {
                {"rm", "-f", ContainerBlueprint.SOCKET},
                {"ln", "-sf", "/var/run/docker.sock", ContainerBlueprint.SOCKET},
                {"mv", ContainerBlueprint.SOCKET, ContainerBlueprint.SOCKET_DIR + "/moved"},
                {"ln", "-s", other.toString(), ContainerBlueprint.SOCKET_DIR + "/planted"},
                {"rm", "-f", WorkspaceSocket.SSH_CONTAINER_PATH},
                {"ln", "-sf", "/var/run/docker.sock", WorkspaceSocket.SSH_CONTAINER_PATH},
                {"ls", ContainerBlueprint.SOCKET_DIR}}) {
            Exec r = execAs("1000", h.runtimeRef(), attempt);
            assertNotEquals(0L, r.status(), String.join(" ", attempt) + " succeeded as uid 1000: " + r.output());
        }
        assertTrue(WorkspaceSockets.isSocket(socket), "the socket was replaced");
        // The image's SSH server listens beside code-server, on a socket as well (docs/ssh.md).
        Path ssh = dir.resolve(WorkspaceSocket.SSH_FILE_NAME);
        assertTrue(WorkspaceSockets.isSocket(ssh), "the SSH socket was replaced or is missing");
        try (var entries = Files.list(dir)) {
            assertEquals(java.util.Set.of(socket, ssh), java.util.Set.copyOf(entries.toList()));
        }
        assertEquals(200, UnixHttp.get(socket, spec.hostname(), "/healthz", Duration.ofSeconds(10)).status());
    }

    @Test
    void references_that_are_not_container_names_of_ours_are_ignored() {
        DockerRuntime runtime = runtime(Duration.ofSeconds(90));
        assertFalse(runtime.isAlive("12345"), "a process id from the local runtime is not a container");
        assertFalse(runtime.isAlive(null));
        runtime.stop("12345");
        runtime.stop("codermon-no-such-workspace");
    }

    /** Checks that nothing of the container is published on the host, requested or in effect. */
    private static void assertNoPublishedPort(InspectContainerResponse c) {
        HostConfig host = c.getHostConfig();
        assertTrue(host.getPortBindings() == null || host.getPortBindings().getBindings().isEmpty(),
                "port bindings requested: " + host.getPortBindings());
        assertFalse(Boolean.TRUE.equals(host.getPublishAllPorts()));
        Ports actual = c.getNetworkSettings().getPorts();
        assertTrue(actual == null || actual.getBindings().values().stream()
                .allMatch(b -> b == null || b.length == 0), "published: " + actual);
    }

    private void assertHardened(InspectContainerResponse c, WorkspaceSpec spec, Path socketDir) {
        HostConfig host = c.getHostConfig();
        assertNoPublishedPort(c);
        assertEquals(List.of("--socket", "/run/codermon/code-server.sock", "--socket-mode", "600"),
                Arrays.asList(c.getConfig().getCmd()).subList(0, 4));

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

        assertTrue(host.getBinds() == null || host.getBinds().length == 0, "no legacy binds");
        assertEquals(4, c.getMounts().size(), "only the workspace volume, socket directory and (read-only) SSH"
                + " files: " + c.getMounts());
        Path ssh = home.resolve("ssh");
        Map<String, String> hostPaths = Map.of(socketDir.toString(), "/run/codermon",
                ssh.resolve("workspaces").resolve(spec.id()).toString(), "/etc/codermon/ssh",
                ssh.resolve("users").resolve(spec.user()).toString(), "/etc/codermon/ssh-keys");
        for (InspectContainerResponse.Mount m : c.getMounts()) {
            assertFalse(String.valueOf(m.getSource()).contains("docker.sock"));
            if (m.getName() != null) {
                assertEquals(DockerNames.volumeName(spec.id()), m.getName());
                assertEquals("/home/coder", m.getDestination().getPath());
            } else {
                assertEquals(hostPaths.get(m.getSource()), m.getDestination().getPath(), "host path " + m.getSource());
                assertEquals(!m.getSource().equals(socketDir.toString()), !Boolean.TRUE.equals(m.getRW()),
                        "only the socket directory is writable: " + m);
            }
        }

        Map<String, String> l = c.getConfig().getLabels();
        assertEquals("codermon", l.get("dev.codermon.managed-by"));
        assertEquals(spec.id(), l.get("dev.codermon.workspace"));
        assertEquals(spec.user(), l.get("dev.codermon.user"));
        assertNotNull(l.get("dev.codermon.instance"));
    }

    private DockerRuntime runtime(Duration readyTimeout) {
        // A second client for the runtime, so that closing it leaves the test's client open.
        DockerDaemon own = DockerDaemon.connect(Optional.ofNullable(System.getenv("DOCKER_HOST"))
                .filter(s -> !s.isBlank()).orElse("unix:///var/run/docker.sock"));
        DockerRuntime runtime = DockerRuntime.create(own, IMAGE, ContainerLimits.defaults(), home,
                WorkspaceSockets.open(home.resolve("sockets")), new HealthProbe(), readyTimeout, WorkspaceEgress.PUBLIC);
        runtimes.add(runtime);
        return runtime;
    }

    private WorkspaceSpec spec(String user, String name) {
        return new WorkspaceSpec("it-" + UUID.randomUUID(), user, name, name + "." + user + ".codermon.internal",
                home.resolve("workspaces"));
    }

    private static String permissions(Path p) throws java.io.IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** What a command run in a container did. */
    private record Exec(long status, String output) {
    }

    private static String exec(String container, String... command) throws InterruptedException {
        Exec r = execAs(null, container, command);
        assertEquals(0L, r.status(), String.join(" ", command) + " failed: " + r.output());
        return r.output();
    }

    /** Runs a command in the container as the user (null: the container's own), as a terminal would. */
    private static Exec execAs(String user, String container, String... command) throws InterruptedException {
        var create = docker.execCreateCmd(container).withCmd(command).withAttachStdout(true).withAttachStderr(true);
        if (user != null) {
            create.withUser(user);
        }
        String id = create.exec().getId();
        StringBuilder out = new StringBuilder();
        docker.execStartCmd(id).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        Long status = docker.inspectExecCmd(id).exec().getExitCodeLong();
        return new Exec(status == null ? -1 : status, out.toString());
    }
}
