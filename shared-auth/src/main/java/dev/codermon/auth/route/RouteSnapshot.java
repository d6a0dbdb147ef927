package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Map;

/**
 * Is every route (by hostname) and every revocation (by {@link RevocationKeys key}) as of one version of
 * the store's change log.
 */
public record RouteSnapshot(long version, Map<String, Route> routes, Map<String, Instant> revocations) {

    public RouteSnapshot {
        routes = Map.copyOf(routes);
        revocations = Map.copyOf(revocations);
    }
}
