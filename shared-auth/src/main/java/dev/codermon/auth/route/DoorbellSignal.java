package dev.codermon.auth.route;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What other threads tell the one thread waiting in a doorbell's {@code await}: flags they raise and the
 * unpark that ends its wait at once. A flag raised while nobody waits is kept for the next wait.
 */
final class DoorbellSignal {

    /** The log grew. */
    static final int RANG = 1;
    /** The reader wants to read now ({@link ChangeDoorbell#wake}). */
    static final int WOKEN = 2;
    /** The doorbell's connection broke. */
    static final int FAILED = 4;

    private final AtomicInteger flags = new AtomicInteger();
    private volatile Thread waiter;

    /** Raises a flag and ends the current wait, if any. */
    void raise(int flag) {
        flags.getAndUpdate(f -> f | flag);
        Thread waiting = waiter;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    /**
     * Waits until a flag is raised, the time passes or the thread is interrupted; returns the flags raised
     * (0 if none) and clears them.
     */
    int await(long nanos) {
        waiter = Thread.currentThread();
        try {
            long deadline = System.nanoTime() + nanos;
            while (true) {
                int raised = flags.getAndSet(0);
                if (raised != 0) {
                    return raised;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || Thread.currentThread().isInterrupted()) {
                    return 0;
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waiter = null;
        }
    }
}
