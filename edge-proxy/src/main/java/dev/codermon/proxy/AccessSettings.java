package dev.codermon.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * Holds the proxy's session, revocation and activity settings, validated on construction.
 *
 * @param sessionTtl       how long a browser session opened by a sign-in link lasts (cookie Max-Age)
 * @param activityInterval at most one activity write per workspace per this interval
 * @param accessCheck      how often revocations are re-read and revoked or unrouted connections closed
 */
public record AccessSettings(Duration sessionTtl, Duration activityInterval, Duration accessCheck) {

    public static final String DEFAULT_SESSION_TTL = "12h";
    public static final String DEFAULT_ACTIVITY_INTERVAL = "30s";
    static final Duration DEFAULT_ACCESS_CHECK = Duration.ofMillis(500);

    /** @throws IllegalArgumentException naming the bad setting and what is expected */
    public AccessSettings {
        positive("--session-ttl (CODERMON_SESSION_TTL)", sessionTtl);
        positive("--activity-interval (CODERMON_ACTIVITY_INTERVAL)", activityInterval);
        positive("access check interval", accessCheck);
    }

    /** Returns the defaults: 12 h sessions, one activity write per workspace per 30 s, checks every 500 ms. */
    public static AccessSettings defaults() {
        return new AccessSettings(Durations.parse(DEFAULT_SESSION_TTL), Durations.parse(DEFAULT_ACTIVITY_INTERVAL),
                DEFAULT_ACCESS_CHECK);
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration such as 30s or 12h");
        }
    }
}
