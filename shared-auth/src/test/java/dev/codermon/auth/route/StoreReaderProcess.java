package dev.codermon.auth.route;

import java.nio.file.Path;
import java.time.Instant;

/**
 * Runs in a separate JVM during {@link SqliteRouteStoreTwoProcessIT}: waits for a route to appear,
 * records activity on it, then waits for the route to go away, printing what it saw.
 */
public final class StoreReaderProcess {

    private StoreReaderProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String hostname = args[1];
        long deadline = System.nanoTime() + 20_000_000_000L;
        try (SqlRouteStore store = SqlRouteStore.openSqlite(file)) {
            System.out.println("opened");
            Route route = null;
            while (route == null && System.nanoTime() < deadline) {
                route = store.findRoute(hostname).orElse(null);
                Thread.sleep(20);
            }
            if (route == null) {
                System.out.println("timeout waiting for route");
                System.exit(2);
            }
            System.out.println("route " + route.user() + " " + route.upstreamSocket());
            store.recordActivity(route.workspaceId(), Instant.parse("2030-01-01T00:00:00Z"));
            System.out.println("activity recorded");
            while (store.findRoute(hostname).isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            System.out.println(store.findRoute(hostname).isPresent() ? "route still there" : "route gone");
        }
    }
}
