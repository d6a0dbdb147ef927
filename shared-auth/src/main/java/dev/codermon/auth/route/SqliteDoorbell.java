package dev.codermon.auth.route;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Rings when the change log's version grows, by reading it every {@value #POLL_MILLIS} ms: SQLite has no
 * notifications, and one file on one machine makes the read cheap.
 */
final class SqliteDoorbell implements ChangeDoorbell {

    static final long POLL_MILLIS = 50;

    private final ChangeLog log;
    private final DoorbellSignal signal = new DoorbellSignal();
    private long seen;

    SqliteDoorbell(ChangeLog log) {
        this.log = log;
        this.seen = log.latest();
    }

    @Override
    public Ring await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long latest = log.latest();
            if (latest != seen) {
                seen = latest;
                return Ring.RANG;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Ring.QUIET;
            }
            if (signal.await(Math.min(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS), left)) != 0
                    || Thread.currentThread().isInterrupted()) {
                return Ring.QUIET;
            }
        }
    }

    @Override
    public void wake() {
        signal.raise(DoorbellSignal.WOKEN);
    }

    @Override
    public void close() {
        // Nothing of its own: it reads through the store's connection.
    }
}
