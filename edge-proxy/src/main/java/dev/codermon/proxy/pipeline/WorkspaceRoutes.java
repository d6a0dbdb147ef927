package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.AppHost;
import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.routes.RouteTable;
import java.util.concurrent.CompletableFuture;

/**
 * Finds the route of the workspace a host belongs to (its own, or the one an app host names) and says
 * whether a principal may reach it there, for the stages that forward requests and answer the login path.
 * Lookups read the in-memory route table and never block. One instance serves every connection.
 */
final class WorkspaceRoutes {

    private final TargetPolicy policy;
    private final RouteTable routes;

    WorkspaceRoutes(TargetPolicy policy, RouteTable routes) {
        this.policy = policy;
        this.routes = routes;
    }

    /** Returns the route for the host, or for its workspace if it is an app host ({@code app} not null); null if none. */
    Route lookup(String host, AppHost app) {
        return routes.find(app == null ? host : app.workspaceHost());
    }

    /** Returns whether the table was ever filled: until then a missing route means "not known yet". */
    boolean loaded() {
        return routes.loaded();
    }

    /**
     * Asks the route follower to read the store's changes now, for a route {@link #decidesNow} cannot decide;
     * see {@link RouteTable#readSoon()} (at most {@link RouteTable#READ_WAIT_MILLIS} ms).
     */
    CompletableFuture<Void> readSoon() {
        return routes.readSoon();
    }

    /**
     * Returns whether the route found for the principal can be decided at once: it is the principal's own, or
     * the table was never filled. A host the table lacks may be a workspace written a moment ago, so it is
     * decided after one more read ({@link #readSoon}); another person's host waits for the same read, so that
     * neither the answer nor its time tells whether someone else's workspace exists.
     */
    boolean decidesNow(Route route, Principal principal) {
        return !routes.loaded() || route != null && route.user().equals(principal.user());
    }

    /**
     * Returns why the principal may not reach the route (null: none), on the workspace host itself or at this
     * app host (not null: its port must be open); null if it may. What the workspace host refuses by path and
     * headers is {@link dev.codermon.proxy.pipeline.IdeRequests}'s to say.
     */
    Refusal check(Route route, Principal principal, AppHost app) {
        if (route == null && !routes.loaded()) {
            // Started with neither the store nor a snapshot readable: no route is known yet, none is denied.
            return Refusal.STORE_UNAVAILABLE;
        }
        // The same answer for "no such workspace" and "not yours", so that existence is not leaked.
        if (route == null || !route.user().equals(principal.user())) {
            return Refusal.NO_ROUTE;
        }
        return app == null ? null : policy.checkApp(app);
    }
}
