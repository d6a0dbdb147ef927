package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.DuplicateSshKeyException;
import dev.codermon.auth.route.NodeRecords;
import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.controlplane.monitor.ClusterJobs;
import dev.codermon.controlplane.runtime.RuntimeUnavailableException;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.workspace.SingleUserRuntimeException;
import dev.codermon.controlplane.workspace.WorkspaceBusyException;
import dev.codermon.controlplane.workspace.WorkspaceLimitException;
import dev.codermon.controlplane.workspace.WorkspaceNotRunningException;
import dev.codermon.controlplane.workspace.WorkspaceOtherRuntimeException;
import dev.codermon.controlplane.workspace.WorkspaceNotFoundException;
import dev.codermon.controlplane.workspace.WorkspaceService;
import dev.codermon.controlplane.workspace.WorkspaceStartException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Declares the API's endpoints and the one place that turns exceptions into JSON error responses.
 */
public final class ApiRoutes {

    private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
    public static final String OPENAPI_RESOURCE = "openapi.json";

    private ApiRoutes() {
    }

    /**
     * Adds every endpoint and error mapping to the routes.
     *
     * @param allowedHosts extra {@code Host} header values to answer besides the loopback names
     */
    public static void register(RoutesConfig routes, ObjectMapper mapper, URI proxy, List<String> allowedHosts,
            ApiAuthenticator auth, TokenService tokens, WorkspaceService workspaces, SshKeyService ssh, String domain,
            ClusterJobs jobs, NodeRecords nodes) {
        JsonRequestReader reader = new JsonRequestReader(mapper);
        TokenController tokenController = new TokenController(auth, tokens, reader);
        WorkspaceController workspaceController = new WorkspaceController(auth, workspaces, tokens, reader, proxy);
        SshController sshController = new SshController(auth, ssh, workspaces, reader, domain, proxy);
        HostGuard hostGuard = new HostGuard(allowedHosts);
        ClusterController cluster = new ClusterController(auth, jobs);
        NodeController nodeController = new NodeController(auth, nodes, workspaces, java.time.Clock.systemUTC());
        byte[] openApi = openApiDocument();

        routes.before(hostGuard::check);
        routes.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
        routes.get("/api/openapi.json", ctx -> {
            auth.requireAdminOrUser(ctx);
            ctx.contentType(ContentType.APPLICATION_JSON).result(openApi);
        });
        routes.post("/api/tokens", tokenController::create);
        routes.post("/api/tokens/revoke", tokenController::revoke);
        routes.post("/api/workspaces", workspaceController::create);
        routes.get("/api/workspaces", workspaceController::list);
        routes.get("/api/workspaces/{id}", workspaceController::get);
        routes.delete("/api/workspaces/{id}", workspaceController::delete);
        routes.post("/api/workspaces/{id}/stop", workspaceController::stop);
        routes.post("/api/workspaces/{id}/start", workspaceController::start);
        routes.post("/api/workspaces/{id}/open", workspaceController::open);
        routes.get("/api/workspaces/{id}/apps", workspaceController::apps);
        routes.get("/api/workspaces/{id}/known-hosts", sshController::knownHosts);
        routes.post("/api/ssh-keys", sshController::add);
        routes.get("/api/ssh-keys", sshController::list);
        routes.delete("/api/ssh-keys/{id}", sshController::delete);
        routes.get("/api/ssh-known-hosts", sshController::allKnownHosts);
        routes.get("/api/ssh-config", sshController::sshConfig);
        routes.get("/api/cluster", cluster::show);
        routes.get("/api/nodes", nodeController::list);
        routes.delete("/api/nodes/{id}", nodeController::retire);

        routes.exception(ApiException.class, (e, ctx) -> {
            if (e.status() == 401) {
                ctx.header("WWW-Authenticate", "Bearer realm=\"codermon\"");
            }
            error(ctx, e.status(), e.code(), e.detail());
        });
        routes.exception(WorkspaceNotFoundException.class, (e, ctx) -> error(ctx, 404, "not_found", e.getMessage()));
        routes.exception(DuplicateSshKeyException.class, (e, ctx) ->
                error(ctx, 409, "duplicate_key", "you registered this key already (" + e.getMessage() + ")"));
        routes.exception(WorkspaceBusyException.class, (e, ctx) -> error(ctx, 409, "busy", e.getMessage()));
        routes.exception(WorkspaceNotRunningException.class, (e, ctx) ->
                error(ctx, 409, "not_running", e.getMessage()));
        routes.exception(WorkspaceOtherRuntimeException.class, (e, ctx) ->
                error(ctx, 409, "other_runtime", e.getMessage()));
        routes.exception(SingleUserRuntimeException.class, (e, ctx) ->
                error(ctx, 409, "single_user_runtime", e.getMessage()));
        routes.exception(WorkspaceLimitException.class, (e, ctx) -> {
            e.retryAfter().ifPresent(d -> ctx.header("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
            error(ctx, 429, "limit_reached", e.getMessage());
        });
        routes.exception(WorkspaceStartException.class, (e, ctx) ->
                error(ctx, 503, "start_failed", e.getMessage() + "; retry, or ask an operator to check the log"));
        routes.exception(RouteStoreException.class, (e, ctx) -> {
            // One line per refused call, without the trace: during an outage every call fails the same way.
            log.warn("store unavailable on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
            log.debug("store failure", e);
            // Nothing half-done is left behind (see WorkspaceLauncher), so trying again is safe.
            ctx.header("Retry-After", "5");
            error(ctx, 503, "store_unavailable", "the store is unavailable; try again in a few seconds");
        });
        routes.exception(RuntimeUnavailableException.class, (e, ctx) -> {
            ctx.header("Retry-After", "5");
            error(ctx, 503, "node_unavailable", e.getMessage() + "; try again in a few seconds");
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            int status = e.getStatus();
            if (status == 404) {
                error(ctx, 404, "not_found", "no endpoint " + ctx.method() + " " + ctx.path()
                        + "; the API lives under /api/tokens, /api/workspaces and /api/ssh-keys (see /api/openapi.json)");
            } else if (status == 405) {
                error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path());
            } else {
                error(ctx, status, "http_" + status, e.getMessage());
            }
        });
        routes.exception(Exception.class, (e, ctx) -> {
            log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal_error", "the control plane failed unexpectedly; the operator can find"
                    + " the cause in its log");
        });
    }

    /** Reads the hand-written OpenAPI description that {@code ApiDescriptionTest} keeps in step with the routes. */
    private static byte[] openApiDocument() {
        try (InputStream in = ApiRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI description " + OPENAPI_RESOURCE + " is missing from"
                        + " the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + OPENAPI_RESOURCE, e);
        }
    }

    private static void error(Context ctx, int status, String code, String detail) {
        ctx.status(status).json(new ErrorBody(code, detail));
    }
}
