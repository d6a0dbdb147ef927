package dev.codermon.proxy;

import dev.codermon.auth.DurationText;
import java.time.Duration;
import java.util.Objects;

/**
 * Holds the proxy's limits and timeouts, validated on construction. Each has a flag and an
 * environment variable (see {@code docs/proxy.md}).
 *
 * @param maxRequestLine    longest request line in bytes (longer: 414)
 * @param maxHeaderBytes    largest header section in bytes (larger: 431)
 * @param maxHeaderCount    most header fields in one request (more: 431)
 * @param headerTimeout     time from a request's first byte to the end of its headers (slower: 408)
 * @param httpIdleTimeout   how long an HTTP connection may sit without traffic
 * @param tunnelIdleTimeout how long a WebSocket or tunnel may sit without traffic
 * @param connectTimeout    how long connecting to a workspace may take (longer: 504)
 * @param maxConnections    most client connections at once (more: 503 and close)
 * @param drainTimeout      how long in-flight requests may take to finish on shutdown
 */
record ProxyLimits(int maxRequestLine, int maxHeaderBytes, int maxHeaderCount, Duration headerTimeout,
        Duration httpIdleTimeout, Duration tunnelIdleTimeout, Duration connectTimeout, int maxConnections,
        Duration drainTimeout) {

    public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
    public static final int DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;
    public static final String DEFAULT_HEADER_TIMEOUT = "10s";
    public static final String DEFAULT_HTTP_IDLE_TIMEOUT = "5m";
    public static final String DEFAULT_TUNNEL_IDLE_TIMEOUT = "1h";
    public static final String DEFAULT_CONNECT_TIMEOUT = "5s";
    public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
    /** Open files kept for everything but proxied connections: listeners, store, logs, the JVM's own. */
    public static final int SPARE_FILES = 512;
    public static final String DEFAULT_DRAIN_TIMEOUT = "10s";

    /** @throws IllegalArgumentException naming the bad setting and what is expected */
    public ProxyLimits {
        atLeast("--max-request-line (CODERMON_PROXY_MAX_REQUEST_LINE)", maxRequestLine, 256);
        atLeast("--max-header-bytes (CODERMON_PROXY_MAX_HEADER_BYTES)", maxHeaderBytes, 1024);
        atLeast("--max-header-count (CODERMON_PROXY_MAX_HEADER_COUNT)", maxHeaderCount, 8);
        positive("--header-timeout (CODERMON_PROXY_HEADER_TIMEOUT)", headerTimeout);
        positive("--idle-timeout (CODERMON_PROXY_IDLE_TIMEOUT)", httpIdleTimeout);
        positive("--tunnel-idle-timeout (CODERMON_PROXY_TUNNEL_IDLE_TIMEOUT)", tunnelIdleTimeout);
        positive("--connect-timeout (CODERMON_PROXY_CONNECT_TIMEOUT)", connectTimeout);
        atLeast("--max-connections (CODERMON_PROXY_MAX_CONNECTIONS)", maxConnections, 1);
        Objects.requireNonNull(drainTimeout, "--drain-timeout (CODERMON_PROXY_DRAIN_TIMEOUT)");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("--drain-timeout (CODERMON_PROXY_DRAIN_TIMEOUT) must not be negative");
        }
    }

    /** Returns the defaults documented in {@code docs/proxy.md}. */
    public static ProxyLimits defaults() {
        return new ProxyLimits(DEFAULT_MAX_REQUEST_LINE, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADER_COUNT,
                parse(DEFAULT_HEADER_TIMEOUT), parse(DEFAULT_HTTP_IDLE_TIMEOUT), parse(DEFAULT_TUNNEL_IDLE_TIMEOUT),
                parse(DEFAULT_CONNECT_TIMEOUT), DEFAULT_MAX_CONNECTIONS, parse(DEFAULT_DRAIN_TIMEOUT));
    }

    private static Duration parse(String defaultValue) {
        return DurationText.parse("default", defaultValue);
    }

    public ProxyLimits withHeaderTimeout(Duration value) {
        return new ProxyLimits(maxRequestLine, maxHeaderBytes, maxHeaderCount, value, httpIdleTimeout,
                tunnelIdleTimeout, connectTimeout, maxConnections, drainTimeout);
    }

    public ProxyLimits withIdleTimeouts(Duration http, Duration tunnel) {
        return new ProxyLimits(maxRequestLine, maxHeaderBytes, maxHeaderCount, headerTimeout, http, tunnel,
                connectTimeout, maxConnections, drainTimeout);
    }

    public ProxyLimits withMaxConnections(int value) {
        return new ProxyLimits(maxRequestLine, maxHeaderBytes, maxHeaderCount, headerTimeout, httpIdleTimeout,
                tunnelIdleTimeout, connectTimeout, value, drainTimeout);
    }

    public ProxyLimits withDrainTimeout(Duration value) {
        return new ProxyLimits(maxRequestLine, maxHeaderBytes, maxHeaderCount, headerTimeout, httpIdleTimeout,
                tunnelIdleTimeout, connectTimeout, maxConnections, value);
    }

    private static void atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be a positive duration such as 10s, was " + value);
        }
    }

    /**
     * Returns how many client connections fit in an open-file limit: each may need a second socket to
     * its upstream, and {@link #SPARE_FILES} stay free; at most {@link #DEFAULT_MAX_CONNECTIONS}, at
     * least 1. An unknown limit (negative) gives the default.
     */
    public static int connectionsFor(long openFileLimit) {
        if (openFileLimit < 0) {
            return DEFAULT_MAX_CONNECTIONS;
        }
        return (int) Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, (openFileLimit - SPARE_FILES) / 2));
    }

    /** Returns this process's open-file limit, or -1 where the JVM cannot tell. */
    public static long openFileLimit() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }
}
