package dev.codermon.controlplane;

import dev.codermon.auth.DurationText;
import dev.codermon.controlplane.monitor.DeadPolicy;
import dev.codermon.controlplane.monitor.MonitorSettings;
import dev.codermon.controlplane.workspace.WorkspaceLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Holds the control plane's limits, monitor and access settings, validated on construction.
 *
 * @param maxWorkspacesPerUser how many workspaces (in any state) one user may have
 * @param maxWorkspaces        how many workspaces may be starting or running at once, all users together
 * @param maxConcurrentStarts  how many workspaces may be starting at the same moment
 * @param monitorInterval      the pause between two monitor passes
 * @param idleTimeout          how long a running workspace may go without real traffic before it is stopped
 * @param deadPolicy           what the monitor does with a workspace that died
 * @param bootstrapTtl         how long a one-time browser link stays valid
 * @param allowedHosts         extra {@code Host} header values the API answers ({@code host} or {@code host:port}),
 *                             besides localhost, 127.0.0.1 and [::1] on the API port
 */
record PolicySettings(
        int maxWorkspacesPerUser,
        int maxWorkspaces,
        int maxConcurrentStarts,
        Duration monitorInterval,
        Duration idleTimeout,
        DeadPolicy deadPolicy,
        Duration bootstrapTtl,
        List<String> allowedHosts) {

    private static final Pattern HOST = Pattern.compile(
            "(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\\[[0-9a-f:.]+\\])"
                    + "(?::[0-9]{1,5})?");

    public PolicySettings {
        requireRange("--max-workspaces-per-user / CODERMON_MAX_WORKSPACES_PER_USER", maxWorkspacesPerUser, 1000);
        requireRange("--max-workspaces / CODERMON_MAX_WORKSPACES", maxWorkspaces, 100_000);
        requireRange("--max-concurrent-starts / CODERMON_MAX_CONCURRENT_STARTS", maxConcurrentStarts, 1000);
        requireWithin("--monitor-interval / CODERMON_MONITOR_INTERVAL", monitorInterval, Duration.ofMillis(100),
                Duration.ofHours(1));
        requireWithin("--idle-timeout / CODERMON_IDLE_TIMEOUT", idleTimeout, Duration.ofSeconds(1),
                Duration.ofDays(30));
        Objects.requireNonNull(deadPolicy, "deadPolicy");
        requireWithin("--bootstrap-ttl / CODERMON_BOOTSTRAP_TTL", bootstrapTtl, Duration.ofSeconds(1),
                Duration.ofMinutes(10));
        allowedHosts = validHosts(allowedHosts);
    }

    /** Returns the documented defaults: 3 per user, 20 in all, 2 starting at once, 15s, 30m, mark, 60s. */
    public static PolicySettings defaults() {
        return new PolicySettings(3, 20, 2, Duration.ofSeconds(15), Duration.ofMinutes(30), DeadPolicy.MARK,
                Duration.ofSeconds(60), List.of());
    }

    /** Parses a comma-separated {@code --allowed-hosts} value; blank means none. */
    public static List<String> parseHosts(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String part : text.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    /** Returns the workspace limits. */
    public WorkspaceLimits limits() {
        return new WorkspaceLimits(maxWorkspacesPerUser, maxWorkspaces, maxConcurrentStarts);
    }

    /** Returns the monitor's settings. */
    public MonitorSettings monitor() {
        return new MonitorSettings(monitorInterval, idleTimeout, deadPolicy);
    }

    /** Returns a copy with other limits. */
    public PolicySettings withLimits(int perUser, int total, int concurrentStarts) {
        return new PolicySettings(perUser, total, concurrentStarts, monitorInterval, idleTimeout, deadPolicy,
                bootstrapTtl, allowedHosts);
    }

    /** Returns a copy with another monitor interval, idle timeout and dead policy. */
    PolicySettings withMonitor(Duration interval, Duration idle, DeadPolicy policy) {
        return new PolicySettings(maxWorkspacesPerUser, maxWorkspaces, maxConcurrentStarts, interval, idle, policy,
                bootstrapTtl, allowedHosts);
    }

    @Override
    public String toString() {
        return "maxWorkspacesPerUser=" + maxWorkspacesPerUser + ", maxWorkspaces=" + maxWorkspaces
                + ", maxConcurrentStarts=" + maxConcurrentStarts + ", monitorInterval="
                + DurationText.format(monitorInterval) + ", idleTimeout=" + DurationText.format(idleTimeout)
                + ", deadPolicy=" + deadPolicy + ", bootstrapTtl=" + DurationText.format(bootstrapTtl)
                + ", allowedHosts=" + allowedHosts;
    }

    private static List<String> validHosts(List<String> hosts) {
        List<String> out = new ArrayList<>();
        for (String h : Objects.requireNonNull(hosts, "allowedHosts")) {
            String n = h == null ? "" : h.trim().toLowerCase(Locale.ROOT);
            if (!HOST.matcher(n).matches()) {
                throw new IllegalArgumentException("--allowed-hosts / CODERMON_CP_ALLOWED_HOSTS entry '" + h
                        + "' is not a host or host:port (e.g. cp.example.org or cp.example.org:8443)");
            }
            out.add(n);
        }
        return List.copyOf(out);
    }

    private static void requireRange(String what, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(what + " must be 1-" + max + ", was " + value);
        }
    }

    /** Throws, naming the setting and its bounds, unless {@code d} is within them. */
    static void requireWithin(String what, Duration d, Duration min, Duration max) {
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " must be between " + DurationText.format(min) + " and "
                    + DurationText.format(max) + ", was " + (d == null ? "nothing" : DurationText.format(d)));
        }
    }
}
