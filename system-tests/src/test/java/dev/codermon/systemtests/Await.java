package dev.codermon.systemtests;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waits on a condition, polling, with a deadline and a message saying what did not happen. */
final class Await {

    private static final Duration POLL = Duration.ofMillis(200);

    /** Thrown by a polled value when waiting longer is pointless (the process it waits for has exited). */
    static final class Abort extends RuntimeException {
        Abort(String message) {
            super(message);
        }
    }

    private Await() {
    }

    /**
     * Polls {@code value} until {@code done} accepts it and returns that value; fails once the deadline has
     * passed, naming what was awaited and the last value seen. One poll always starts at or after the
     * deadline, so a wait of N seconds is never stricter than "sleep N, then check once".
     */
    static <T> T until(String what, Duration timeout, Supplier<T> value, Predicate<? super T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        RuntimeException error = null;
        while (true) {
            boolean lastTry = System.nanoTime() - deadline >= 0;
            try {
                last = value.get();
                error = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (Abort e) {
                throw new AssertionError(what + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                error = e;
            }
            if (lastTry) {
                AssertionError failure = new AssertionError(
                        what + ": not within " + timeout.toMillis() + " ms; last value: " + last);
                if (error != null) {
                    failure.initCause(error);
                }
                throw failure;
            }
            pause(POLL);
        }
    }

    /** Polls until {@code value} equals {@code expected}; see {@link #until(String, Duration, Supplier, Predicate)}. */
    static <T> T equal(String what, Duration timeout, T expected, Supplier<T> value) {
        return until(what + " (expected " + expected + ")", timeout, value, v -> Objects.equals(expected, v));
    }

    /** Polls until the condition holds. */
    static void condition(String what, Duration timeout, Supplier<Boolean> condition) {
        until(what, timeout, condition, Boolean.TRUE::equals);
    }

    /** Sleeps between polls or paces a load loop (never a wait for a state: use {@link #until}). */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
