package dev.codermon.proxy.access;

import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.PresenceWriter;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes, every few seconds and in the background, what this proxy instance holds open per workspace
 * ({@link LiveConnections#openByWorkspace}), so that the control plane can say why a workspace is alive
 * without ever being asked on the request path. Writes only the workspaces whose counts changed, then
 * refreshes its rows' time in the same statement batch; an idle proxy with nothing open writes nothing.
 * Stopping cleanly withdraws every row of this instance.
 */
public final class PresencePublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PresencePublisher.class);

    private final PresenceWriter store;
    private final LiveConnections connections;
    private final String proxyId;
    private final Clock clock;
    private final ScheduledFuture<?> publisher;
    /** What the store holds for this instance, as far as it knows; only the publishing thread touches it. */
    private Map<String, OpenCounts> published = new HashMap<>();
    /** Whether the store may differ from {@link #published} (a failed write, or rows deleted by others). */
    private boolean unsure;

    public PresencePublisher(PresenceWriter store, LiveConnections connections, String proxyId, Clock clock,
            ScheduledExecutorService executor, Duration every) {
        this.store = store;
        this.connections = connections;
        this.proxyId = proxyId;
        this.clock = clock;
        long millis = every.toMillis();
        this.publisher = executor.scheduleWithFixedDelay(this::publishSafely, millis, millis, TimeUnit.MILLISECONDS);
        log.info("publishing open connections per workspace every {} ms as proxy instance {}", millis, proxyId);
    }

    private void publishSafely() {
        try {
            publish();
        } catch (RouteStoreException e) {
            log.warn("cannot publish open connections of proxy {}: {}", proxyId, e.getMessage());
        }
    }

    /** Writes the counts that changed since the last publish, and marks this instance's rows fresh. */
    synchronized void publish() {
        Map<String, OpenCounts> now = connections.openByWorkspace();
        Map<String, OpenCounts> changed = new HashMap<>();
        now.forEach((id, counts) -> {
            if (unsure || !counts.equals(published.get(id))) {
                changed.put(id, counts);
            }
        });
        published.keySet().forEach(id -> {
            if (!now.containsKey(id)) {
                changed.put(id, OpenCounts.NONE);
            }
        });
        if (changed.isEmpty() && published.isEmpty()) {
            return;
        }
        // If the write fails, the next round writes every workspace again and still deletes the old ones.
        unsure = true;
        int rows = store.publishPresence(proxyId, changed, clock.instant());
        published = now;
        unsure = rows != now.size();
        if (unsure) {
            log.debug("proxy {} has {} presence rows, expected {}: writing all again", proxyId, rows, now.size());
        }
    }

    /** Stops publishing and deletes this instance's rows. */
    @Override
    public synchronized void close() {
        publisher.cancel(false);
        try {
            store.withdrawPresence(proxyId);
        } catch (RouteStoreException e) {
            log.warn("cannot withdraw open connections of proxy {}: {}", proxyId, e.getMessage());
        }
        published = new HashMap<>();
        unsure = false;
    }
}
