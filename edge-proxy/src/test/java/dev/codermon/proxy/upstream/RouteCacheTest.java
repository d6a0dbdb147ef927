package dev.codermon.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteLookup;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouteCacheTest {

    private static final String HOST = "main.alice.codermon.internal";
    private static final Route ROUTE = new Route("ws-1", "alice", HOST, "/run/codermon/ws-1/cs.sock");

    private final FakeStore store = new FakeStore();
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(1);
    private final RouteCache cache = new RouteCache(store, executor, Duration.ofMillis(100));

    @AfterEach
    void stop() {
        cache.close();
        executor.shutdownNow();
    }

    private Optional<Route> lookup() throws Exception {
        return cache.lookup(HOST).get(5, TimeUnit.SECONDS);
    }

    @Test
    void store_failure_keeps_the_cached_route() throws Exception {
        store.routes.put(HOST, ROUTE);
        assertEquals(Optional.of(ROUTE), lookup());
        store.failing = true;
        Thread.sleep(400);
        assertEquals(Optional.of(ROUTE), lookup());
        assertTrue(store.reads > 1, "the cache never went back to the store");
    }

    @Test
    void store_failure_without_a_cached_route_fails_the_lookup() {
        store.failing = true;
        ExecutionException e = assertThrows(ExecutionException.class, this::lookup);
        assertInstanceOf(RouteStoreException.class, e.getCause());
    }

    @Test
    void removed_route_disappears_after_a_refresh() throws Exception {
        store.routes.put(HOST, ROUTE);
        assertEquals(Optional.of(ROUTE), lookup());
        store.routes.remove(HOST);
        Thread.sleep(400);
        assertEquals(Optional.empty(), lookup());
    }

    @Test
    void a_cached_no_route_is_read_again_so_a_started_workspace_is_reachable_at_once() throws Exception {
        // A long refresh interval: only the re-read of a negative answer can find the new route.
        RouteCache slow = new RouteCache(store, executor, Duration.ofHours(1));
        try {
            assertEquals(Optional.empty(), slow.lookup(HOST).get(5, TimeUnit.SECONDS));
            store.routes.put(HOST, ROUTE);
            assertEquals(Optional.of(ROUTE), slow.lookup(HOST).get(5, TimeUnit.SECONDS));
            int reads = store.reads;
            assertEquals(Optional.of(ROUTE), slow.lookup(HOST).get(5, TimeUnit.SECONDS));
            assertEquals(reads, store.reads, "a found route is served from the cache");
        } finally {
            slow.close();
        }
    }

    @Test
    void a_failing_reread_of_a_cached_no_route_keeps_the_no_route_answer() throws Exception {
        assertEquals(Optional.empty(), lookup());
        store.failing = true;
        assertEquals(Optional.empty(), lookup());
    }

    /** Serves routes from a map, or fails every read while {@code failing}. */
    private static final class FakeStore implements RouteLookup {
        final Map<String, Route> routes = new ConcurrentHashMap<>();
        volatile boolean failing;
        volatile int reads;

        @Override
        public Optional<Route> findRoute(String hostname) {
            reads++;
            if (failing) {
                throw new RouteStoreException("disk on fire", null);
            }
            return Optional.ofNullable(routes.get(hostname));
        }
    }
}
