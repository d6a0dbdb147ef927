package dev.codermon.controlplane.monitor;

import java.time.Duration;
import java.util.Objects;

/**
 * Holds how the monitor works.
 *
 * @param interval    the pause between the end of one pass and the start of the next
 * @param idleTimeout how long a running workspace may go without real traffic before it is stopped
 * @param deadPolicy  what to do with a running workspace that died
 */
public record MonitorSettings(Duration interval, Duration idleTimeout, DeadPolicy deadPolicy) {

    public MonitorSettings {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(deadPolicy, "deadPolicy");
        if (interval.isNegative() || interval.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("monitor interval and idle timeout must be positive");
        }
    }
}
