package dev.codermon.controlplane.monitor;

import dev.codermon.auth.DurationText;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the monitor's periodic tasks on one daemon thread, so no two of them ever run side by side. */
final class MonitorThread implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MonitorThread.class);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(15);

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "workspace-monitor");
        t.setDaemon(true);
        return t;
    });

    /** Runs the task every interval (between the end of one run and the start of the next), first in one. */
    void every(Duration interval, String what, Runnable task) {
        long ms = interval.toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) { // thrown out of the task, it would end the schedule
                log.warn("{} failed: {}", what, e.toString(), e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Stops the schedule and waits for a running task to finish. */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
                log.warn("monitor pass still running after {}; interrupted it", DurationText.format(CLOSE_GRACE));
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
