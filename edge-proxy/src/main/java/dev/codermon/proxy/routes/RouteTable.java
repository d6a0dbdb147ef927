package dev.codermon.proxy.routes;

import dev.codermon.auth.route.Route;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Holds every route the proxy knows, by hostname, in memory: the whole table, so a hostname that is not
 * in it has no route. Lookups run on event loops and only read a map that is never changed once published;
 * the one {@link RouteFollower} thread builds each change as a new map and swaps it in whole.
 */
public final class RouteTable {

    /** A version no store ever had: the table has not been loaded yet. */
    static final long UNLOADED = -1;

    /** One published state; its map is never modified after it is published. */
    private record State(Map<String, Route> routes, long version) {
    }

    private volatile State state = new State(Map.of(), UNLOADED);
    private volatile Supplier<CompletableFuture<Void>> reader = () -> CompletableFuture.completedFuture(null);

    /** Returns a table that holds exactly these routes, as if loaded at version 0 (tests, fixed set-ups). */
    public static RouteTable holding(Map<String, Route> routes) {
        RouteTable table = new RouteTable();
        table.replace(routes, 0);
        return table;
    }

    /** Returns the route of the hostname, or null if it has none. Never blocks. */
    public Route find(String hostname) {
        return state.routes.get(hostname);
    }

    /** Sets who brings the table up to date on demand (the {@link RouteFollower}); none: nobody does. */
    public void readWith(Supplier<CompletableFuture<Void>> reader) {
        this.reader = reader;
    }

    /** The longest a caller of {@link #readSoon} waits for the read it asked for. */
    public static final long READ_WAIT_MILLIS = 500;

    /**
     * Asks for the store's changes to be read now; the future completes once a read that started after
     * this call has ended, at most {@link #READ_WAIT_MILLIS} ms later, or at once if none can be made (see
     * {@link RouteFollower#readSoon()}). Each call has a future of its own.
     */
    public CompletableFuture<Void> readSoon() {
        return reader.get().copy().completeOnTimeout(null, READ_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Returns the route as the relay asks for it, never blocking (docs/relay.md): at once when the table holds
     * it; otherwise after one more read of the store ({@link #readSoon}, at most {@link #READ_WAIT_MILLIS} ms),
     * since another node's proxy may have read a new workspace's route before this one did.
     */
    public java.util.concurrent.CompletionStage<Optional<Route>> lookup(String hostname) {
        Route route = find(hostname);
        if (route != null) {
            return CompletableFuture.completedFuture(Optional.of(route));
        }
        return readSoon().thenApply(read -> Optional.ofNullable(find(hostname)));
    }

    /**
     * Returns whether the table was ever filled (from the store or the local snapshot); until then a
     * missing route means "not known yet", not "none".
     */
    public boolean loaded() {
        return state.version != UNLOADED;
    }

    /** Returns how many routes the table holds. */
    public int size() {
        return state.routes.size();
    }

    /** Returns the change-log version the table reflects, or {@link #UNLOADED}. */
    public long version() {
        return state.version;
    }

    /** Returns every route (a read-only view of one state). */
    Map<String, Route> routes() {
        return java.util.Collections.unmodifiableMap(state.routes);
    }

    /** Replaces every route with these, as of the version. */
    void replace(Map<String, Route> routes, long version) {
        state = new State(new HashMap<>(routes), version);
    }

    /** Moves to the version with the same routes. */
    void moveTo(long version) {
        State now = state;
        if (now.version != version) {
            state = new State(now.routes, version);
        }
    }

    /**
     * Applies changed hostnames (empty: the route is gone) and moves to the version.
     *
     * @return how many routes were added, changed or removed
     */
    int apply(Map<String, Optional<Route>> changes, long version) {
        Map<String, Route> next = new HashMap<>(state.routes);
        int changed = 0;
        for (Map.Entry<String, Optional<Route>> change : changes.entrySet()) {
            Route before = change.getValue().isPresent()
                    ? next.put(change.getKey(), change.getValue().get())
                    : next.remove(change.getKey());
            if (!change.getValue().equals(Optional.ofNullable(before))) {
                changed++;
            }
        }
        state = new State(next, version);
        return changed;
    }
}
