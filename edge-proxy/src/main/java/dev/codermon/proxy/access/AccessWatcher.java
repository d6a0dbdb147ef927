package dev.codermon.proxy.access;

import dev.codermon.auth.route.RevocationReader;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads revocations from the store every tick and closes the live connections that a revocation
 * or a removed route no longer allows.
 *
 * <p>It runs on a thread of its own and reads the store itself (revocations, and the route of every
 * hostname a live connection is bound to), never through the store executor that route lookups, activity
 * writes and sessions queue on: a revocation closes tunnels within a tick even while that executor is
 * busy. The store's statements are short, so only its lock is shared, never a queue.
 */
public final class AccessWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessWatcher.class);

    private final RevocationReader store;
    private final Revocations revocations;
    private final Function<String, Optional<Route>> routes;
    private final LiveConnections connections;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "access-watcher");
        t.setDaemon(true);
        return t;
    });
    private boolean storeFailing;

    /**
     * Reads revocations once now (so that the first requests already see them), then every period.
     *
     * @param routes reads a hostname's route from the store on the calling thread (and caches it for new
     *               requests); throws {@link RouteStoreException} if the store cannot answer
     */
    public AccessWatcher(RevocationReader store, Revocations revocations, Function<String, Optional<Route>> routes,
            LiveConnections connections, Duration every) {
        this.store = store;
        this.revocations = revocations;
        this.routes = routes;
        this.connections = connections;
        readRevocations();
        long millis = every.toMillis();
        thread.scheduleWithFixedDelay(this::tick, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            readRevocations();
            connections.closeRevoked(revocations);
            connections.closeUnrouted(routes);
        } catch (RuntimeException e) {
            log.warn("access check failed: {}", e.toString());
        }
    }

    private void readRevocations() {
        try {
            revocations.update(store.revocations());
            if (storeFailing) {
                storeFailing = false;
                log.info("revocations readable again");
            }
        } catch (RouteStoreException e) {
            if (!storeFailing) {
                storeFailing = true;
                log.warn("cannot read revocations; keeping the last known ones: {}", e.getMessage());
            }
        }
    }

    /** Stops the ticks and the watcher's thread. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
