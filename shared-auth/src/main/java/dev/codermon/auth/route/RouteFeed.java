package dev.codermon.auth.route;

/**
 * Hands a proxy the whole route and revocation table and then what changed since a version, so that it
 * can hold everything in memory and never read the store on the request path (docs/scale-out.md).
 *
 * <p>Every write that changes a route (a workspace inserted, updated or deleted) or a revocation appends
 * to the store's change log in the same transaction; its version only grows. Activity and presence writes
 * change no route and append nothing. Every method may block on I/O and throws {@link RouteStoreException}
 * when the store cannot answer; a caller then keeps what it holds (a failed read never evicts a route).
 */
public interface RouteFeed {

    /** Reads every route and every revocation, and the change-log version they reflect. */
    RouteSnapshot loadAll();

    /**
     * Reads what changed after {@code version}: the route of each hostname whose workspace changed (empty:
     * it has no route any more) and, if any revocation changed, all revocations.
     *
     * @return the changes, with {@link RouteChanges#complete()} false if the log no longer reaches back to
     *         {@code version} (it was pruned): the caller then reloads everything with {@link #loadAll()}
     */
    RouteChanges changesSince(long version);

    /**
     * Opens a doorbell of its own (on PostgreSQL a dedicated connection that LISTENs; on SQLite a poll of
     * the change-log version) that rings when the change log grows. The caller closes it.
     */
    ChangeDoorbell openDoorbell();

    /**
     * Returns a feed for one reading thread at a time, which its user closes if it is {@link AutoCloseable}:
     * by default this one. The PostgreSQL store's reads on a connection of their own, outside the pool, so
     * that a reader neither waits for a busy pool nor for its connection adder, which backs off up to 5 s
     * between attempts while the server is down (a proxy's route follower reads again within its own
     * retry, at most 2 s, once the server is back).
     */
    default RouteFeed reader() {
        return this;
    }
}
