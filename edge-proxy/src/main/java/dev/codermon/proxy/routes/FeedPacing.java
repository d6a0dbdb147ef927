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
 * @param askedEvery the least time between the starts of two reads asked for by requests that missed
 *                   ({@link RouteFollower#readSoon}): requests naming made-up hostnames, one after another,
 *                   cost the store at most one read per this time and proxy
 */
record FeedPacing(Duration ring, Duration poll, Duration backoff, Duration maxBackoff, Duration saveEvery,
        Duration askedEvery) {

    static final FeedPacing DEFAULT = new FeedPacing(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofMillis(20));
}
