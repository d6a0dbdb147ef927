package dev.codermon.proxy.upstream;

import dev.codermon.auth.route.ActivityWriter;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notes real traffic per workspace without blocking and writes it to the store in the background, so
 * that the control plane can reap idle workspaces.
 */
public final class ActivityRecorder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ActivityRecorder.class);

    private static final long RESOLUTION_MILLIS = 1000;

    private final ActivityWriter store;
    private final Clock clock;
    private final Map<String, Instant> pending = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> flusher;

    public ActivityRecorder(ActivityWriter store, Clock clock, ScheduledExecutorService executor, Duration every) {
        this.store = store;
        this.clock = clock;
        long millis = every.toMillis();
        this.flusher = executor.scheduleWithFixedDelay(this::flush, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Records that the workspace had traffic now. Called for every request and WebSocket frame from
     * every event loop: a time already noted less than a second ago is left alone, so that the busy
     * path only reads the map instead of locking its entry and allocating.
     */
    public void touch(String workspaceId) {
        long now = clock.millis();
        Instant noted = pending.get(workspaceId);
        if (noted == null || now - noted.toEpochMilli() >= RESOLUTION_MILLIS) {
            pending.put(workspaceId, Instant.ofEpochMilli(now));
        }
    }

    /** Writes what was recorded since the last flush. */
    void flush() {
        for (String id : pending.keySet()) {
            Instant at = pending.remove(id);
            if (at == null) {
                continue;
            }
            try {
                store.recordActivity(id, at);
            } catch (RouteStoreException e) {
                log.warn("cannot record activity of workspace {}: {}", id, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        flusher.cancel(false);
        flush();
    }
}
