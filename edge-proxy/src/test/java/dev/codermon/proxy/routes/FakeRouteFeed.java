package dev.codermon.proxy.routes;

import dev.codermon.auth.route.ChangeDoorbell;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteChanges;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteSnapshot;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Is a store's route feed in memory: a change log with versions, a doorbell the test rings by hand, and an
 * outage switch that makes every call fail.
 */
final class FakeRouteFeed implements RouteFeed {

    private record Change(long version, String host, Optional<Route> route, boolean revocation) {
    }

    final AtomicInteger loadAlls = new AtomicInteger();
    final AtomicInteger changeReads = new AtomicInteger();
    volatile boolean down;
    private final LinkedBlockingQueue<ChangeDoorbell.Ring> rings = new LinkedBlockingQueue<>();
    private final Map<String, Route> routes = new HashMap<>();
    private final Map<String, Instant> revocations = new HashMap<>();
    private final List<Change> log = new ArrayList<>();
    private long version = 10;
    private long prunedBefore;

    /** Writes a route (logged), without ringing. */
    synchronized void put(Route route) {
        routes.put(route.hostname(), route);
        log.add(new Change(++version, route.hostname(), Optional.of(route), false));
    }

    /** Deletes a route (logged), without ringing. */
    synchronized void remove(String host) {
        routes.remove(host);
        log.add(new Change(++version, host, Optional.empty(), false));
    }

    /** Revokes (logged), without ringing. */
    synchronized void revoke(String key, Instant before) {
        revocations.put(key, before);
        log.add(new Change(++version, null, null, true));
    }

    /** Changes a route as a write whose log entry is lost would (only a full read sees it). */
    synchronized void putUnlogged(Route route) {
        routes.put(route.hostname(), route);
        version++;
    }

    /** Forgets the log up to now: a reader behind it must read everything. */
    synchronized void prune() {
        log.clear();
        prunedBefore = version;
    }

    void ring(ChangeDoorbell.Ring ring) {
        rings.add(ring);
    }

    private void check() {
        if (down) {
            throw new RouteStoreException("store down (test)", null);
        }
    }

    @Override
    public synchronized RouteSnapshot loadAll() {
        check();
        loadAlls.incrementAndGet();
        return new RouteSnapshot(version, routes, revocations);
    }

    @Override
    public synchronized RouteChanges changesSince(long since) {
        check();
        changeReads.incrementAndGet();
        if (since < prunedBefore) {
            return RouteChanges.incomplete(version);
        }
        Map<String, Optional<Route>> changed = new HashMap<>();
        boolean revoked = false;
        for (Change change : log) {
            if (change.version() > since) {
                if (change.revocation()) {
                    revoked = true;
                } else {
                    changed.put(change.host(), change.route());
                }
            }
        }
        return new RouteChanges(version, changed, revoked ? Map.copyOf(revocations) : null, true);
    }

    @Override
    public ChangeDoorbell openDoorbell() {
        check();
        return new ChangeDoorbell() {
            @Override
            public Ring await(Duration timeout) {
                check();
                try {
                    Ring ring = rings.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    check();
                    return ring == null ? Ring.QUIET : ring;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Ring.QUIET;
                }
            }

            @Override
            public void wake() {
                rings.offer(Ring.QUIET);
            }

            @Override
            public void close() {
            }
        };
    }
}
