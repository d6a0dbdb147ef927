package dev.codermon.controlplane.api;

/**
 * Shows one app of a workspace: a port something listens on inside it, and where a browser opens it
 * through the proxy ({@code <port>.<workspace host>}).
 *
 * @param port     the port inside the workspace
 * @param url      the app over plain HTTP
 * @param httpsUrl the app over HTTPS (the proxy's local CA)
 */
record AppView(int port, String url, String httpsUrl) {

    static AppView of(int port, String workspaceHost) {
        String host = appHost(port, workspaceHost);
        return new AppView(port, "http://" + host + "/", "https://" + host + "/");
    }

    /** Returns the app host of a port: {@code <port>.<workspace host>}. */
    static String appHost(int port, String workspaceHost) {
        return port + "." + workspaceHost;
    }
}
