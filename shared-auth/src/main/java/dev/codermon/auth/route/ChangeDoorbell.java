package dev.codermon.auth.route;

import java.time.Duration;

/**
 * Rings when the store's change log grows. Only a doorbell: it says that something changed, never what;
 * the reader then asks {@link RouteFeed#changesSince}. Used by one thread at a time.
 */
public interface ChangeDoorbell extends AutoCloseable {

    /** What {@link #await} saw. */
    enum Ring {
        /** The log grew (or may have): read the changes. */
        RANG,
        /** Nothing within the timeout. */
        QUIET,
        /**
         * The doorbell lost its connection and has it back: changes may have been missed meanwhile, so the
         * reader reloads everything.
         */
        RECONNECTED
    }

    /**
     * Waits up to {@code timeout} for a ring.
     *
     * @throws RouteStoreException while the store cannot be reached (the next call tries to reconnect)
     */
    Ring await(Duration timeout);

    /**
     * Ends a wait in {@link #await} early, as {@link Ring#QUIET}, from any thread: the reader has something
     * to read now (a request for a hostname it does not hold). A wake before the next wait ends that one.
     */
    void wake();

    @Override
    void close();
}
