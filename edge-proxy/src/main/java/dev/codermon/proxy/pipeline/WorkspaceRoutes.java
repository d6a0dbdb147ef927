package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.AppHost;
import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.upstream.RouteCache;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Finds the route of the workspace a host belongs to (its own, or the one an app host names) and says
 * whether a principal may reach it there, for the stages that forward requests and answer the login path.
 * One instance serves every connection.
 */
final class WorkspaceRoutes {

    private final TargetPolicy policy;
    private final RouteCache routes;

    WorkspaceRoutes(TargetPolicy policy, RouteCache routes) {
        this.policy = policy;
        this.routes = routes;
    }

    /** Looks up the route for the host, or for its workspace if it is an app host ({@code app} not null). */
    CompletableFuture<Optional<Route>> lookup(String host, AppHost app) {
        return routes.lookup(app == null ? host : app.workspaceHost());
    }

    /**
     * Returns why the principal may not reach the route, on the workspace host itself or at this app host
     * (not null: its port must be open); null if it may. What the workspace host refuses by path and
     * headers is {@link dev.codermon.proxy.pipeline.IdeRequests}'s to say.
     */
    Refusal check(Optional<Route> route, Principal principal, AppHost app) {
        // The same answer for "no such workspace" and "not yours", so that existence is not leaked.
        if (route.isEmpty() || !route.get().user().equals(principal.user())) {
            return Refusal.NO_ROUTE;
        }
        return app == null ? null : policy.checkApp(app);
    }
}
