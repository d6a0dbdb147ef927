package dev.codermon.auth.route;

import java.util.Optional;

/** Finds the route of a workspace hostname (the proxy, through its cache). */
public interface RouteLookup {

    /** Returns the route for a running workspace with this hostname, or empty if there is none. */
    Optional<Route> findRoute(String hostname);
}
