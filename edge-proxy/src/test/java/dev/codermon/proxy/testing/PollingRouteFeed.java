package dev.codermon.proxy.testing;

import dev.codermon.auth.route.ChangeDoorbell;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteChanges;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteSnapshot;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Stands in for the SQLite store's own {@link RouteFeed} until the store implements it (issue 15): reads every
 * running workspace's route and every revocation, numbers each read that differs from the last one as a new
 * version, and answers {@link #changesSince} by comparing with the state it kept for that version. Its
 * doorbell rings every 50 ms. Test code only: a real feed reads a change log instead of everything.
 */
public final class PollingRouteFeed implements RouteFeed {

    private record State(Map<String, Route> routes, Map<String, Instant> revocations) {
    }

    private final SqliteRouteStore store;
    private final LinkedHashMap<Long, State> history = new LinkedHashMap<>();
    private long version;

    public PollingRouteFeed(SqliteRouteStore store) {
        this.store = store;
    }

    @Override
    public synchronized RouteSnapshot loadAll() {
        State now = read();
        return new RouteSnapshot(version, now.routes(), now.revocations());
    }

    @Override
    public synchronized RouteChanges changesSince(long since) {
        State now = read();
        State then = history.get(since);
        if (then == null) {
            return RouteChanges.incomplete(version);
        }
        Map<String, Optional<Route>> routes = new HashMap<>();
        then.routes().forEach((host, route) -> {
            if (!now.routes().containsKey(host)) {
                routes.put(host, Optional.empty());
            }
        });
        now.routes().forEach((host, route) -> {
            if (!route.equals(then.routes().get(host))) {
                routes.put(host, Optional.of(route));
            }
        });
        Map<String, Instant> revocations = now.revocations().equals(then.revocations()) ? null : now.revocations();
        return new RouteChanges(version, routes, revocations, true);
    }

    private State read() {
        Map<String, Route> routes = new HashMap<>();
        for (WorkspaceRecord record : store.listAll()) {
            record.route().ifPresent(route -> routes.put(route.hostname(), route));
        }
        State now = new State(Map.copyOf(routes), Map.copyOf(store.revocations()));
        State last = history.get(version);
        if (!Objects.equals(last, now)) {
            version++;
            history.put(version, now);
            if (history.size() > 1000) {
                history.remove(history.keySet().iterator().next());
            }
        }
        return now;
    }

    @Override
    public ChangeDoorbell openDoorbell() {
        return new ChangeDoorbell() {
            @Override
            public Ring await(Duration timeout) {
                try {
                    Thread.sleep(Math.min(50, timeout.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Ring.RANG;
            }

            @Override
            public void close() {
            }
        };
    }
}
