package dev.codermon.controlplane.runtime;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the environment of a workspace's local code-server, and so of its terminals: what a shell and
 * code-server need, taken from the control plane's own environment, and nothing else. The control
 * plane's settings and secrets (every {@code CODERMON_*}, such as {@code CODERMON_ADMIN_KEY}; {@code
 * DOCKER_HOST}; whatever else it was started with) never reach a workspace.
 */
final class WorkspaceEnvironment {

    /** Passed on when the control plane has them; {@code LC_*} too. */
    private static final String[] PASSED = {"PATH", "LANG", "LANGUAGE", "TERM", "SHELL", "TMPDIR", "TZ"};
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private WorkspaceEnvironment() {
    }

    /**
     * Returns the environment for a workspace's code-server.
     *
     * @param parent the control plane's environment
     * @param home   the workspace's own home folder, its {@code HOME}
     * @param osUser the OS user code-server runs as ({@code USER}, {@code LOGNAME})
     */
    static Map<String, String> of(Map<String, String> parent, Path home, String osUser) {
        Map<String, String> env = new TreeMap<>();
        for (String name : PASSED) {
            String value = parent.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        parent.forEach((name, value) -> {
            if (name.startsWith("LC_")) {
                env.put(name, value);
            }
        });
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.put("HOME", home.toString());
        env.put("USER", osUser);
        env.put("LOGNAME", osUser);
        return env;
    }
}
