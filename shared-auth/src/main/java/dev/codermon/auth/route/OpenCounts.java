package dev.codermon.auth.route;

/**
 * Counts what a proxy holds open for one workspace: client connections bound to it, and among them
 * WebSockets and tunnels (a WebSocket opened inside a CONNECT tunnel counts as both).
 */
public record OpenCounts(int connections, int webSockets, int tunnels) {

    /** Nothing open. */
    public static final OpenCounts NONE = new OpenCounts(0, 0, 0);

    /** Returns the sum of both counts. */
    public OpenCounts plus(OpenCounts other) {
        return new OpenCounts(connections + other.connections, webSockets + other.webSockets,
                tunnels + other.tunnels);
    }

    /** Returns whether nothing is open. */
    public boolean isEmpty() {
        return connections == 0 && webSockets == 0 && tunnels == 0;
    }
}
