package dev.codermon.proxy.routes;

import java.time.Duration;

/**
 * Says how the {@link RouteFollower} paces itself.
 *
 * @param ring       the longest wait on the doorbell
 * @param poll       the longest time without a read while the doorbell is quiet
 * @param backoff    the first wait after a failed read (doubling after each further failure)
 * @param maxBackoff the longest wait after a failed read
 * @param saveEvery  the least time between two snapshot writes
 */
record FeedPacing(Duration ring, Duration poll, Duration backoff, Duration maxBackoff, Duration saveEvery) {

    static final FeedPacing DEFAULT = new FeedPacing(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(200));
}
