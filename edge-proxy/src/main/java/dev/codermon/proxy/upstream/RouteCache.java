package dev.codermon.proxy.upstream;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteLookup;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks routes up by hostname without ever blocking an event loop: the blocking store is read on the
 * cache's own executor, and every cached hostname is re-read about once a second so that a removed
 * route stops working quickly.
 *
 * <p>A failed store read never evicts or replaces what is cached: the old answer stays until a read
 * succeeds. Only when nothing is cached does a failure reach the caller (as a failed future).
 */
public final class RouteCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouteCache.class);
    private static final long MAX_HOSTS = 10_000;

    private final AsyncLoadingCache<String, Optional<Route>> routes;
    private final StoreLoader loader;
    private final Executor executor;
    private final AtomicBoolean storeFailing = new AtomicBoolean();
    private final java.util.concurrent.ScheduledFuture<?> refresher;

    /**
     * Creates the cache.
     *
     * @param executor runs store reads and the periodic refresh; owned by the caller
     */
    public RouteCache(RouteLookup store, ScheduledExecutorService executor, Duration refreshInterval) {
        this.executor = executor;
        this.loader = new StoreLoader(store);
        this.routes = Caffeine.newBuilder()
                .executor(executor)
                .maximumSize(MAX_HOSTS)
                // No refreshAfterWrite: the scheduled refresh below already re-reads every cached host
                // once per interval; a per-access refresh would read busy hosts a second time.
                .buildAsync(loader);
        long millis = refreshInterval.toMillis();
        this.refresher = executor.scheduleWithFixedDelay(this::refreshAll, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Returns the route for the hostname (empty if none); fails only if the store cannot answer.
     *
     * <p>A cached route is served as it is. A cached "no route" is read again before it is believed,
     * so a workspace that was just started or restarted is reachable at once rather than after the
     * next refresh; if that read fails, the cached answer stands.
     */
    public CompletableFuture<Optional<Route>> lookup(String hostname) {
        CompletableFuture<Optional<Route>> entry = routes.get(hostname);
        if (entry.isDone() && !entry.isCompletedExceptionally() && entry.join().isPresent()) {
            // The busy path: a cached route, handed out as the cache holds it, with no new future.
            return entry;
        }
        return entry.thenCompose(cached -> cached.isPresent()
                ? CompletableFuture.completedFuture(cached)
                : reread(hostname, cached));
    }

    /**
     * Reads the hostname's route from the store on the calling thread, caches the answer and returns it.
     * For the access watcher, which must see a removed route (and make new requests see it) on its own
     * thread, however busy the cache's executor is.
     *
     * @throws RouteStoreException if the store cannot answer; what is cached then stands
     */
    public Optional<Route> readNow(String hostname) {
        Optional<Route> fresh = loader.read(hostname);
        routes.put(hostname, CompletableFuture.completedFuture(fresh));
        return fresh;
    }

    private CompletableFuture<Optional<Route>> reread(String hostname, Optional<Route> cached) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Optional<Route> fresh = loader.read(hostname);
                if (fresh.isPresent()) {
                    routes.put(hostname, CompletableFuture.completedFuture(fresh));
                }
                return fresh;
            } catch (RouteStoreException e) {
                return cached;
            }
        }, executor);
    }

    private void refreshAll() {
        try {
            routes.synchronous().refreshAll(new ArrayList<>(routes.asMap().keySet()));
        } catch (RuntimeException e) {
            log.warn("route refresh failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        refresher.cancel(false);
    }

    private final class StoreLoader implements AsyncCacheLoader<String, Optional<Route>> {

        private final RouteLookup store;

        StoreLoader(RouteLookup store) {
            this.store = store;
        }

        @Override
        public CompletableFuture<Optional<Route>> asyncLoad(String hostname, Executor executor) {
            return CompletableFuture.supplyAsync(() -> read(hostname), executor);
        }

        @Override
        public CompletableFuture<Optional<Route>> asyncReload(String hostname, Optional<Route> old,
                Executor executor) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return read(hostname);
                } catch (RouteStoreException e) {
                    return old;
                }
            }, executor);
        }

        private Optional<Route> read(String hostname) {
            try {
                Optional<Route> route = store.findRoute(hostname);
                if (storeFailing.compareAndSet(true, false)) {
                    log.info("route store readable again");
                }
                return route;
            } catch (RouteStoreException e) {
                if (storeFailing.compareAndSet(false, true)) {
                    log.warn("route store read failed; serving cached routes: {}", e.getMessage());
                }
                throw e;
            }
        }
    }
}
