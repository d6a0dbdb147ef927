package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks what a local workspace's code-server inherits from the control plane's environment. */
class WorkspaceEnvironmentTest {

    private static final Path HOME = Path.of("/data/workspaces/ws-1/home");

    @Test
    void only_what_a_shell_needs_is_passed_and_home_is_the_workspaces_own() {
        Map<String, String> parent = new HashMap<>();
        parent.put("PATH", "/opt/bin:/usr/bin");
        parent.put("LANG", "C.UTF-8");
        parent.put("LC_ALL", "C.UTF-8");
        parent.put("LC_TIME", "en_GB.UTF-8");
        parent.put("TERM", "xterm-256color");
        parent.put("SHELL", "/bin/bash");
        parent.put("TMPDIR", "/var/tmp");
        parent.put("HOME", "/root");
        parent.put("USER", "someone-else");
        parent.put("CODERMON_ADMIN_KEY", "the-admin-key-0123456789");
        parent.put("CODERMON_HOME", "/data");
        parent.put("CODERMON_CODE_SERVER_BIN", "/opt/code-server/bin/code-server");
        parent.put("DOCKER_HOST", "unix:///var/run/docker.sock");
        parent.put("AWS_SECRET_ACCESS_KEY", "secret");
        parent.put("SSH_AUTH_SOCK", "/tmp/ssh-agent.sock");
        parent.put("JAVA_TOOL_OPTIONS", "-Dx=y");

        Map<String, String> env = WorkspaceEnvironment.of(parent, HOME, "codermon");

        assertEquals(Map.of(
                "PATH", "/opt/bin:/usr/bin",
                "LANG", "C.UTF-8",
                "LC_ALL", "C.UTF-8",
                "LC_TIME", "en_GB.UTF-8",
                "TERM", "xterm-256color",
                "SHELL", "/bin/bash",
                "TMPDIR", "/var/tmp",
                "HOME", HOME.toString(),
                "USER", "codermon",
                "LOGNAME", "codermon"), env);
        assertFalse(env.keySet().stream().anyMatch(k -> k.startsWith("CODERMON_")), env.toString());
    }

    @Test
    void a_control_plane_without_path_still_gives_code_server_the_usual_one() {
        Map<String, String> env = WorkspaceEnvironment.of(Map.of("CODERMON_ADMIN_KEY", "k"), HOME, "root");
        assertEquals(WorkspaceEnvironment.DEFAULT_PATH, env.get("PATH"));
        assertEquals(Map.of("PATH", WorkspaceEnvironment.DEFAULT_PATH, "HOME", HOME.toString(), "USER", "root",
                "LOGNAME", "root"), env);
    }
}
