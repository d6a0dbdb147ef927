package dev.codermon.auth.route;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Rings when the change log's version grows, by reading it every {@value #POLL_MILLIS} ms: SQLite has no
 * notifications, and one file on one machine makes the read cheap.
 */
final class SqliteDoorbell implements ChangeDoorbell {

    static final long POLL_MILLIS = 50;

    private final ChangeLog log;
    private long seen;
    private volatile boolean woken;
    private volatile Thread waiter;

    SqliteDoorbell(ChangeLog log) {
        this.log = log;
        this.seen = log.latest();
    }

    @Override
    public Ring await(Duration timeout) {
        waiter = Thread.currentThread();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (woken) {
                woken = false;
                return Ring.QUIET;
            }
            long latest = log.latest();
            if (latest != seen) {
                seen = latest;
                return Ring.RANG;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Ring.QUIET;
            }
            LockSupport.parkNanos(this, Math.min(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS), left));
            if (Thread.currentThread().isInterrupted()) {
                return Ring.QUIET;
            }
        }
    }

    @Override
    public void wake() {
        woken = true;
        Thread waiting = waiter;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    @Override
    public void close() {
        // Nothing of its own: it reads through the store's connection.
    }
}
