package dev.codermon.auth.route;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Publishes what one proxy instance holds open per workspace (the proxy writes, the control plane reads
 * through {@link PresenceReader}). Each proxy owns the rows under its own instance id, so several proxies
 * sharing a store never touch each other's rows.
 */
public interface PresenceWriter {

    /** How often a proxy publishes: rows not refreshed for {@link PresenceReader#FRESH_FOR} no longer count. */
    Duration EVERY = Duration.ofSeconds(2);

    /**
     * Writes the changed workspaces' counts (an empty count deletes the workspace's row), then marks every
     * row of this proxy as fresh at the given time, atomically.
     *
     * @return how many rows this proxy has after the change, so that it can tell rows lost meanwhile
     */
    int publishPresence(String proxyId, Map<String, OpenCounts> changed, Instant at);

    /** Deletes every row of this proxy (it stops and holds nothing open any more). */
    void withdrawPresence(String proxyId);
}
