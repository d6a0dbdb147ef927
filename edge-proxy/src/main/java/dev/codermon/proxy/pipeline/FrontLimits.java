package dev.codermon.proxy.pipeline;

import java.time.Duration;

/**
 * Carries the limits the front of every client pipeline enforces ({@link ClientFront}), as values, so
 * that the pipeline needs none of the proxy's configuration types.
 *
 * @param maxRequestLine    longest request line, in bytes
 * @param maxHeaderBytes    largest request head, in bytes
 * @param maxHeaderCount    most header lines in a request head
 * @param headerTimeout     how long a request head may take to arrive
 * @param httpIdleTimeout   how long an HTTP connection may sit idle
 * @param tunnelIdleTimeout how long a tunnel or WebSocket may sit idle
 */
public record FrontLimits(int maxRequestLine, int maxHeaderBytes, int maxHeaderCount, Duration headerTimeout,
        Duration httpIdleTimeout, Duration tunnelIdleTimeout) {
}
