package dev.codermon.proxy;

import dev.codermon.auth.DurationText;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Holds the proxy's session and activity settings, validated on construction.
 *
 * @param sessionTtl       how long a browser session opened by a sign-in link lasts (cookie Max-Age)
 * @param activityInterval at most one activity write per workspace per this interval
 * @param consoleOrigins   origins of the web console ({@code http://localhost:5001}, ...): over plain http,
 *                         where browsers send no {@code Sec-Fetch-*}, a sign-in link is redeemed at once only
 *                         when the console sent the browser there (its {@code Referer})
 */
record AccessSettings(Duration sessionTtl, Duration activityInterval, Set<String> consoleOrigins) {

    public static final String DEFAULT_SESSION_TTL = "12h";
    public static final String DEFAULT_ACTIVITY_INTERVAL = "30s";
    public static final int DEFAULT_CONSOLE_PORT = 5001;

    /** @throws IllegalArgumentException naming the bad setting and what is expected */
    public AccessSettings {
        positive("--session-ttl (CODERMON_SESSION_TTL)", sessionTtl);
        positive("--activity-interval (CODERMON_ACTIVITY_INTERVAL)", activityInterval);
        consoleOrigins = Set.copyOf(Objects.requireNonNull(consoleOrigins, "consoleOrigins"));
    }

    /** Creates settings whose console is at the default control-plane port on loopback. */
    public AccessSettings(Duration sessionTtl, Duration activityInterval) {
        this(sessionTtl, activityInterval, consoleOrigins("", DEFAULT_CONSOLE_PORT));
    }

    /**
     * Returns the console origins: the comma-separated list given, or when it is blank the control
     * plane's port on {@code localhost}, {@code 127.0.0.1} and {@code [::1]}.
     *
     * @throws IllegalArgumentException if an entry is not an http(s) origin (scheme, host, optional port)
     */
    public static Set<String> consoleOrigins(String list, int controlPlanePort) {
        Set<String> out = new java.util.TreeSet<>();
        for (String part : list.split(",")) {
            String o = part.strip().toLowerCase(java.util.Locale.ROOT);
            if (o.isEmpty()) {
                continue;
            }
            if (!o.matches("https?://[a-z0-9.\\-\\[\\]:]+")) {
                throw new IllegalArgumentException("--console-origins (CODERMON_CONSOLE_ORIGINS) takes origins such as"
                        + " http://localhost:5001, comma-separated; was '" + part.strip() + "'");
            }
            out.add(o);
        }
        if (out.isEmpty()) {
            for (String host : new String[] {"localhost", "127.0.0.1", "[::1]"}) {
                out.add("http://" + host + ":" + controlPlanePort);
            }
        }
        return out;
    }

    /** Returns the defaults: 12 h sessions, one activity write per workspace per 30 s. */
    public static AccessSettings defaults() {
        return new AccessSettings(DurationText.parse("session TTL", DEFAULT_SESSION_TTL),
                DurationText.parse("activity interval", DEFAULT_ACTIVITY_INTERVAL));
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration such as 30s or 12h");
        }
    }

    /** Returns the control plane's port as the scripts give it to both processes (CODERMON_CP_PORT). */
    static int controlPlanePort(java.util.Map<String, String> env) {
        String port = env.get("CODERMON_CP_PORT");
        try {
            return port == null || port.isBlank() ? DEFAULT_CONSOLE_PORT : Integer.parseInt(port.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("CODERMON_CP_PORT must be a port number, was '" + port + "'");
        }
    }
}
