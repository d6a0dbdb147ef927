package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Is what changed in the store after a version, up to {@code version}.
 *
 * @param version     the change-log version these changes bring the reader to
 * @param routes      per changed hostname its route now, or empty if it has none any more
 * @param revocations all revocations if any changed, or null if none did
 * @param complete    false if the log was pruned past the version asked for: reload everything instead
 */
public record RouteChanges(long version, Map<String, Optional<Route>> routes, Map<String, Instant> revocations,
        boolean complete) {

    /** The answer when the log no longer reaches back to the version asked for. */
    public static RouteChanges incomplete(long version) {
        return new RouteChanges(version, Map.of(), null, false);
    }
}
