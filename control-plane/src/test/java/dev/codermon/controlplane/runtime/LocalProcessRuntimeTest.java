package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the local runtime against stand-in executables that misbehave the ways code-server can. */
class LocalProcessRuntimeTest {

    @TempDir
    Path tempDir;

    @AfterEach
    void killLeftovers() {
        leftovers().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void a_missing_or_non_executable_binary_is_refused_with_a_hint() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LocalProcessRuntime.create(tempDir.resolve("nope").toString(), tempDir, Duration.ofSeconds(1),
                        new HealthProbe(), sockets(), "alice"));
        assertTrue(missing.getMessage().contains("CODERMON_CODE_SERVER_BIN"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LocalProcessRuntime.create("no-such-code-server-bin",
                tempDir, Duration.ofSeconds(1), new HealthProbe(), sockets(), "alice"));
    }

    @Test
    void first_settings_keep_parent_git_repositories_out_of_the_workspace_and_later_ones_are_kept()
            throws Exception {
        Path settings = tempDir.resolve("data/User/settings.json");
        LocalWorkspaceFiles.seedSettings(settings);
        assertTrue(Files.readString(settings).contains("\"git.openRepositoryInParentFolders\": \"never\""));
        Files.writeString(settings, "{\"editor.fontSize\": 18}");
        LocalWorkspaceFiles.seedSettings(settings);
        assertEquals("{\"editor.fontSize\": 18}", Files.readString(settings));
    }


    @Test
    void a_new_project_gets_the_welcome_readme_and_an_existing_one_is_left_alone() throws Exception {
        Path project = tempDir.resolve("project");
        LocalWorkspaceFiles.seedProject(project);
        assertTrue(Files.readString(project.resolve("README.md")).contains("Welcome to your Codermon workspace"));
        Files.delete(project.resolve("README.md"));
        LocalWorkspaceFiles.seedProject(project);
        assertFalse(Files.exists(project.resolve("README.md")), "a README the user deleted came back");
    }
    @Test
    void a_binary_that_exits_fails_the_start_with_its_status_and_log() throws Exception {
        Path bin = script("exits", "echo 'boom: bad flag' >&2\nexit 3\n");
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(10), new HealthProbe(), sockets(), "alice");
        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec()));
        assertTrue(e.getMessage().contains("status 3"), e.getMessage());
        Path log = tempDir.resolve("workspaces/ws-1/code-server.log");
        assertTrue(Files.readString(log).contains("boom: bad flag"));
    }

    @Test
    void a_binary_that_never_gets_ready_is_killed_after_the_timeout() throws Exception {
        Path bin = script("hangs", "sleep 60\n");
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(1), new HealthProbe(), sockets(), "alice");
        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(spec()));
        assertTrue(e.getMessage().contains("did not answer /healthz within 1s"), e.getMessage());
        assertTrue(leftovers().isEmpty(), "the hung process must be killed");
    }

    @Test
    void code_server_is_started_on_a_socket_in_a_fresh_owner_only_directory_and_no_tcp_port() throws Exception {
        Path args = tempDir.resolve("args.txt");
        // Records its arguments, then stays up without ever listening: the start times out.
        Path bin = script("records", "echo \"$@\" > " + args + "\nsleep 60\n");
        WorkspaceSockets sockets = sockets();
        Path stale = java.nio.file.Files.createDirectories(sockets.root().resolve("ws-1")).resolve("code-server.sock");
        Files.createSymbolicLink(stale, tempDir);
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(2), new HealthProbe(), sockets, "alice");
        assertThrows(RuntimeStartException.class, () -> runtime.start(spec()));

        String recorded = Files.readString(args);
        assertTrue(recorded.contains("--socket " + sockets.socket("ws-1") + " --socket-mode 600"), recorded);
        assertFalse(recorded.contains("--bind-addr"), recorded);
        assertFalse(Files.exists(stale, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the stale link was left");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                sockets.directory("ws-1"))));
        assertTrue(leftovers().isEmpty());
    }

    @Test
    void removing_a_workspace_drops_its_socket_directory() throws Exception {
        WorkspaceSockets sockets = sockets();
        LocalProcessRuntime runtime = LocalProcessRuntime.create(script("unused", "exit 0\n").toString(),
                tempDir.resolve("workspaces"), Duration.ofSeconds(1), new HealthProbe(), sockets, "alice");
        Files.createDirectories(sockets.directory("ws-1"));
        Files.createDirectories(tempDir.resolve("workspaces/ws-1/project"));
        runtime.remove("ws-1");
        assertFalse(Files.exists(sockets.directory("ws-1")));
        assertFalse(Files.exists(tempDir.resolve("workspaces/ws-1")));
    }

    @Test
    void another_user_than_the_one_it_serves_is_refused_before_anything_runs() throws Exception {
        Path ran = tempDir.resolve("ran");
        Path bin = script("records", "touch " + ran + "\nsleep 60\n");
        WorkspaceSockets sockets = sockets();
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(5), new HealthProbe(), sockets, "alice");
        assertEquals(java.util.Optional.of("alice"), runtime.soleUser());
        WorkspaceSpec bobs = new WorkspaceSpec("ws-2", "bob", "main", "main.bob.codermon.internal",
                tempDir.resolve("workspaces/ws-2"));
        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime.start(bobs));
        assertTrue(e.getMessage().contains("serves alice only"), e.getMessage());
        assertFalse(Files.exists(ran), "code-server was launched for bob");
        assertFalse(Files.exists(tempDir.resolve("workspaces/ws-2")), "bob's workspace directory was made");
        assertFalse(Files.exists(sockets.directory("ws-2")), "bob's socket directory was made");
    }

    @Test
    void unknown_or_foreign_references_are_neither_alive_nor_stopped() throws Exception {
        Path bin = script("unused", "exit 0\n");
        LocalProcessRuntime runtime = LocalProcessRuntime.create(bin.toString(), tempDir.resolve("workspaces"),
                Duration.ofSeconds(1), new HealthProbe(), sockets(), "alice");
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

    private WorkspaceSockets sockets() {
        return WorkspaceSockets.open(tempDir.resolve("sockets"));
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
