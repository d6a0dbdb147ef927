package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the local runtime against stand-in executables that misbehave the ways code-server can. */
class LocalProcessRuntimeTest {

    @TempDir
    Path tempDir;

    private final List<PortAllocator> allocators = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        leftovers().forEach(ProcessHandle::destroyForcibly);
        allocators.forEach(PortAllocator::close);
    }

    @Test
    void a_missing_or_non_executable_binary_is_refused_with_a_hint() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LocalProcessRuntime.create(tempDir.resolve("nope").toString(), tempDir, Duration.ofSeconds(1),
                        new HealthProbe(), ports()));
        assertTrue(missing.getMessage().contains("CODERMON_CODE_SERVER_BIN"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LocalProcessRuntime.create("no-such-code-server-bin",
                tempDir, Duration.ofSeconds(1), new HealthProbe(), ports()));
    }

    @Test
    void first_settings_keep_parent_git_repositories_out_of_the_workspace_and_later_ones_are_kept()
            throws Exception {
        Path settings = tempDir.resolve("data/User/settings.json");
        LocalProcessRuntime.seedSettings(settings);
        assertTrue(Files.readString(settings).contains("\"git.openRepositoryInParentFolders\": \"never\""));
        Files.writeString(settings, "{\"editor.fontSize\": 18}");
        LocalProcessRuntime.seedSettings(settings);
        assertEquals("{\"editor.fontSize\": 18}", Files.readString(settings));
    }


    @Test
    void a_new_project_gets_the_welcome_readme_and_an_existing_one_is_left_alone() throws Exception {
        Path project = tempDir.resolve("project");
        LocalProcessRuntime.seedProject(project);
        assertTrue(Files.readString(project.resolve("README.md")).contains("Welcome to your Codermon workspace"));
        Files.delete(project.resolve("README.md"));
        LocalProcessRuntime.seedProject(project);
        assertFalse(Files.exists(project.resolve("README.md")), "a README the user deleted came back");
    }
    @Test
    void a_binary_that_exits_fails_the_start_with_its_status_and_log() throws Exception {
        Path bin = script("exits", "echo 'boom: bad flag' >&2\nexit 3\n");
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(10), new HealthProbe(), ports());
        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec()));
        assertTrue(e.getMessage().contains("status 3"), e.getMessage());
        Path log = tempDir.resolve("workspaces/ws-1/code-server.log");
        assertTrue(Files.readString(log).contains("boom: bad flag"));
    }

    @Test
    void a_binary_that_never_gets_ready_is_killed_after_the_timeout() throws Exception {
        Path bin = script("hangs", "sleep 60\n");
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(1), new HealthProbe(), ports());
        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec()));
        assertTrue(e.getMessage().contains("did not answer /healthz within 1s"), e.getMessage());
        assertTrue(leftovers().isEmpty(), "the hung process must be killed");
    }

    @Test
    void another_program_answering_on_the_leased_port_is_never_taken_for_the_workspace() throws Exception {
        int first;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            first = probe.getLocalPort();
        }
        PortAllocator ports = PortAllocator.open(tempDir.resolve("race.db"), new PortRange(first, first + 20),
                Duration.ofMinutes(10), Clock.systemUTC());
        allocators.add(ports);
        Path bin = script("slow", "sleep 60\n");
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(3), new HealthProbe(), ports);
        // Another control plane's code-server takes the port after it was leased, before ours listens.
        HttpServer foreign = HttpServer.create();
        Thread squatter = new Thread(() -> {
            try {
                Thread.sleep(300);
                foreign.bind(new InetSocketAddress("127.0.0.1", first), 0);
                foreign.createContext("/healthz", x -> {
                    x.sendResponseHeaders(200, -1);
                    x.close();
                });
                foreign.start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        squatter.start();
        try {
            RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec()));
            assertTrue(e.getMessage().contains("did not answer /healthz"), e.getMessage());
            assertNotEquals(first, ports.heldPort("ws-1").orElseThrow(), "the workspace moved off the port");
        } finally {
            squatter.join();
            foreign.stop(0);
        }
        assertTrue(leftovers().isEmpty());
    }

    @Test
    void a_listening_socket_is_told_apart_by_its_owning_process() throws Exception {
        try (ServerSocket mine = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertTrue(ListeningSockets.heldBy(mine.getLocalPort(), ProcessHandle.current()));
            Process other = new ProcessBuilder("sleep", "30").start();
            try {
                assertFalse(ListeningSockets.heldBy(mine.getLocalPort(), other.toHandle()));
            } finally {
                other.destroyForcibly();
            }
        }
    }

    @Test
    void unknown_or_foreign_references_are_neither_alive_nor_stopped() throws Exception {
        Path bin = script("unused", "exit 0\n");
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(1), new HealthProbe(), ports());
        String self = Long.toString(ProcessHandle.current().pid());
        assertFalse(runtime.isAlive(self), "this JVM does not run a workspace");
        runtime.stop(self);
        assertFalse(runtime.isAlive("not-a-pid"));
        assertFalse(runtime.isAlive(null));
    }

    private WorkspaceSpec spec() {
        return new WorkspaceSpec("ws-1", "alice", "main", "main.alice.codermon.internal",
                tempDir.resolve("workspaces/ws-1"));
    }

    private PortAllocator ports() {
        PortAllocator ports = PortAllocator.open(tempDir.resolve("ports.db"), new PortRange(20000, 29999),
                Duration.ofMinutes(10), Clock.systemUTC());
        allocators.add(ports);
        return ports;
    }

    private Path script(String name, String body) throws Exception {
        Path p = tempDir.resolve(name + ".sh");
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private List<ProcessHandle> leftovers() {
        String marker = tempDir.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
    }
}
