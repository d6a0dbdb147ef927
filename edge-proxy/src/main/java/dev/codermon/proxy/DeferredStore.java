package dev.codermon.proxy;

import dev.codermon.auth.route.ChangeDoorbell;
import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.auth.route.ProxyStore;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteChanges;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteSnapshot;
import dev.codermon.auth.route.RouteStoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the proxy's store, which may not open at start (PostgreSQL down, the SQLite file unreadable), so that
 * a restarted proxy can serve its route snapshot meanwhile: until the store opens, every call first tries to
 * open it (at most once per retry interval, failing fast in between) and fails with {@link RouteStoreException},
 * exactly as an open store fails while its server is down. Once open, every call goes straight to it.
 */
final class DeferredStore<S extends ProxyStore & RouteFeed> implements ProxyStore, RouteFeed,
        dev.codermon.auth.route.NodeDirectory {

    private static final Logger log = LoggerFactory.getLogger(DeferredStore.class);

    private final Supplier<S> opener;
    private final long retryNanos;
    private volatile S store;
    private RouteStoreException lastFailure;
    private long nextAttemptNanos;
    private boolean closed;

    private DeferredStore(Supplier<S> opener, S store, RouteStoreException firstFailure, Duration retry) {
        this.opener = opener;
        this.store = store;
        this.retryNanos = retry.toNanos();
        this.lastFailure = firstFailure;
        this.nextAttemptNanos = System.nanoTime() + retryNanos;
    }

    /**
     * Opens the store now; if it cannot be opened but the proxy has a route snapshot to serve, returns a
     * stand-in that keeps trying (and says so), since serving what it knew beats not starting.
     *
     * @param opener   opens the store; throws {@link RouteStoreException} while it cannot
     * @param snapshot the proxy's route snapshot file
     * @throws RouteStoreException if the store cannot be opened and there is no snapshot (a first start with
     *                             a wrong address or password fails at once, with the store's own reason)
     */
    static <S extends ProxyStore & RouteFeed> DeferredStore<S> open(Supplier<S> opener, Path snapshot,
            Duration retry) {
        try {
            return new DeferredStore<>(opener, opener.get(), null, retry);
        } catch (RouteStoreException e) {
            if (!Files.isRegularFile(snapshot)) {
                throw e;
            }
            log.warn("cannot open the route store ({}); serving the route snapshot {} and opening the store again"
                    + " every {} ms", e.getMessage(), snapshot, retry.toMillis());
            return new DeferredStore<>(opener, null, e, retry);
        }
    }

    private S store() {
        S open = store;
        return open != null ? open : open();
    }

    private synchronized S open() {
        if (store != null) {
            return store;
        }
        if (closed) {
            throw new RouteStoreException("route store closed", null);
        }
        if (System.nanoTime() < nextAttemptNanos) {
            throw new RouteStoreException("route store not open: " + lastFailure.getMessage(), lastFailure);
        }
        try {
            store = opener.get();
            log.info("route store opened");
            return store;
        } catch (RouteStoreException e) {
            lastFailure = e;
            nextAttemptNanos = System.nanoTime() + retryNanos;
            throw e;
        }
    }

    @Override
    public RouteSnapshot loadAll() {
        return store().loadAll();
    }

    @Override
    public RouteChanges changesSince(long version) {
        return store().changesSince(version);
    }

    @Override
    public ChangeDoorbell openDoorbell() {
        return store().openDoorbell();
    }

    /** The store's own reader ({@link RouteFeed#reader}), taken once the store is open; fails as the store does until then. */
    @Override
    public RouteFeed reader() {
        return new DeferredReader();
    }

    /** Reads through the store's reader, taken at the first read after the store opened; closes it with itself. */
    private final class DeferredReader implements RouteFeed, AutoCloseable {

        private RouteFeed reader;

        private RouteFeed opened() {
            if (reader == null) {
                reader = store().reader();
            }
            return reader;
        }

        @Override
        public RouteSnapshot loadAll() {
            return opened().loadAll();
        }

        @Override
        public RouteChanges changesSince(long version) {
            return opened().changesSince(version);
        }

        @Override
        public ChangeDoorbell openDoorbell() {
            return DeferredStore.this.openDoorbell();
        }

        @Override
        public void close() throws Exception {
            if (reader instanceof AutoCloseable own && reader != store) {
                own.close();
            }
        }
    }

    /** The cluster's nodes, for the relay client (none from a store that has no nodes table). */
    @Override
    public java.util.List<dev.codermon.auth.route.NodeRecord> nodes() {
        return store() instanceof dev.codermon.auth.route.NodeDirectory directory ? directory.nodes()
                : java.util.List.of();
    }

    @Override
    public Optional<Route> findRoute(String hostname) {
        return store().findRoute(hostname);
    }

    @Override
    public void recordActivity(String workspaceId, Instant at) {
        store().recordActivity(workspaceId, at);
    }

    @Override
    public Map<String, Instant> revocations() {
        return store().revocations();
    }

    @Override
    public boolean consumeToken(String tokenId, Instant expiresAt) {
        return store().consumeToken(tokenId, expiresAt);
    }

    @Override
    public void createSession(ProxySession session) {
        store().createSession(session);
    }

    @Override
    public Optional<ProxySession> findSession(String idHash) {
        return store().findSession(idHash);
    }

    @Override
    public int publishPresence(String proxyId, Map<String, OpenCounts> changed, Instant at) {
        return store().publishPresence(proxyId, changed, at);
    }

    @Override
    public void withdrawPresence(String proxyId) {
        store().withdrawPresence(proxyId);
    }

    @Override
    public synchronized void close() {
        closed = true;
        S open = store;
        store = null;
        if (open != null) {
            open.close();
        }
    }

    @Override
    public String toString() {
        S open = store;
        return open != null ? open.toString() : "route store (not open yet)";
    }
}
