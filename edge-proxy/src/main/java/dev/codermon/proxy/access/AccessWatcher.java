package dev.codermon.proxy.access;

import dev.codermon.auth.route.RevocationReader;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads revocations from the store every tick and closes the live connections that a revocation
 * or a removed route no longer allows. Runs on the store executor, never on an event loop.
 */
public final class AccessWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessWatcher.class);

    private final RevocationReader store;
    private final Revocations revocations;
    private final Function<String, CompletableFuture<Optional<Route>>> routes;
    private final LiveConnections connections;
    private final ScheduledFuture<?> ticker;
    private boolean storeFailing;

    /**
     * Reads revocations once now (so that the first requests already see them), then every period.
     *
     * @param routes looks a route up by hostname through the route cache
     */
    public AccessWatcher(RevocationReader store, Revocations revocations,
            Function<String, CompletableFuture<Optional<Route>>> routes, LiveConnections connections,
            ScheduledExecutorService executor, Duration every) {
        this.store = store;
        this.revocations = revocations;
        this.routes = routes;
        this.connections = connections;
        readRevocations();
        long millis = every.toMillis();
        this.ticker = executor.scheduleWithFixedDelay(this::tick, millis, millis, TimeUnit.MILLISECONDS);
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

    @Override
    public void close() {
        ticker.cancel(false);
    }
}
