package dev.codermon.proxy.http;

/**
 * Names an app port of a workspace: {@code <port>.<workspace-host>}, e.g. {@code 8501.main.alice.codermon.internal}
 * is port 8501 inside the workspace {@code main.alice.codermon.internal}. Workspace names and user ids start
 * with a letter, so a leading all-digit label can only be a port.
 *
 * @param port          the port inside the workspace, 1-65535
 * @param workspaceHost the workspace's own hostname, whose route (and owner) the app shares
 */
public record AppHost(int port, String workspaceHost) {

    /**
     * Returns the app host a lower-case host name stands for, or null if its first label is not a port
     * number written plainly (1-65535, no leading zero, no sign) followed by at least one more label.
     */
    public static AppHost parse(String host) {
        int dot = host.indexOf('.');
        if (dot < 1 || dot > 5 || dot == host.length() - 1 || host.charAt(0) == '0') {
            return null;
        }
        int port = 0;
        for (int i = 0; i < dot; i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            port = port * 10 + (c - '0');
        }
        if (port > 65535) {
            return null;
        }
        return new AppHost(port, host.substring(dot + 1));
    }

    /** Returns the app host's name, {@code <port>.<workspace-host>}. */
    public String hostname() {
        return port + "." + workspaceHost;
    }
}
