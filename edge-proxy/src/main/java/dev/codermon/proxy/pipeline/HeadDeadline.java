package dev.codermon.proxy.pipeline;

import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Times the deadline from a request's first byte to the end of its head (slowloris) for
 * {@link RequestHeadGuard}: at most one timer per connection, re-armed when it fires, not scheduled and
 * cancelled per request.
 */
final class HeadDeadline {

    private final long timeoutNanos;
    /** Says whether a head is being read on an open connection. */
    private final BooleanSupplier reading;
    private final Runnable expired;
    private final Runnable check = this::check;
    private ChannelHandlerContext ctx;
    private long startNanos;
    private ScheduledFuture<?> timer;

    HeadDeadline(long timeoutNanos, BooleanSupplier reading, Runnable expired) {
        this.timeoutNanos = timeoutNanos;
        this.reading = reading;
        this.expired = expired;
    }

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts a new head's time. */
    void start() {
        startNanos = System.nanoTime();
        if (timer == null) {
            timer = ctx.executor().schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check() {
        timer = null;
        if (!reading.getAsBoolean()) {
            return;
        }
        long left = startNanos + timeoutNanos - System.nanoTime();
        if (left > 0) {
            // The timer was armed for an earlier head: wait out what is left of this one's time.
            timer = ctx.executor().schedule(check, left, TimeUnit.NANOSECONDS);
            return;
        }
        expired.run();
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
