package dev.codermon.controlplane.api;

import dev.codermon.auth.DnsLabel;
import dev.codermon.auth.PortNumber;
import dev.codermon.auth.Principal;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.controlplane.workspace.StartedWorkspace;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.http.Context;
import java.net.URI;
import java.util.List;

/**
 * Serves {@code /api/workspaces}: each user sees and changes only their own workspaces; the admin key
 * lists everyone's and gets, stops, starts and deletes any of them (opening one stays its owner's).
 */
final class WorkspaceController {

    static final String DEFAULT_NAME = "main";

    record CreateWorkspaceRequest(String name) {
    }

    private final ApiAuthenticator auth;
    private final WorkspaceService workspaces;
    private final TokenService tokens;
    private final JsonRequestReader reader;
    private final URI proxy;

    WorkspaceController(ApiAuthenticator auth, WorkspaceService workspaces, TokenService tokens,
            JsonRequestReader reader, URI proxy) {
        this.auth = auth;
        this.workspaces = workspaces;
        this.tokens = tokens;
        this.reader = reader;
        this.proxy = proxy;
    }

    void create(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        CreateWorkspaceRequest request = reader.read(ctx, CreateWorkspaceRequest.class,
                new CreateWorkspaceRequest(null));
        String name = request.name() == null ? DEFAULT_NAME : request.name();
        try {
            DnsLabel.require("name", name);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_name", e.getMessage());
        }
        StartedWorkspace started = workspaces.start(caller.user(), name);
        ctx.status(started.created() ? 201 : 200).json(view(started.record()));
    }

    void list(Context ctx) {
        Caller caller = auth.requireAdminOrUser(ctx);
        List<WorkspaceRecord> records = caller.admin() ? workspaces.listAll() : workspaces.list(caller.user());
        ctx.json(records.stream().map(this::view).toList());
    }

    /**
     * Returns whose workspace the call may act on: the caller's own, or, for the admin key, the owner of
     * the workspace with that id (404 if there is none). Sign-in links and app lists stay with the owner.
     */
    private String ownerFor(Context ctx, String id) {
        Caller caller = auth.requireAdminOrUser(ctx);
        return caller.admin() ? workspaces.ownerOf(id) : caller.user();
    }

    void get(Context ctx) {
        String id = ctx.pathParam("id");
        ctx.json(view(workspaces.get(ownerFor(ctx, id), id)));
    }

    void stop(Context ctx) {
        String id = ctx.pathParam("id");
        ctx.json(view(workspaces.stop(ownerFor(ctx, id), id)));
    }

    void start(Context ctx) {
        String id = ctx.pathParam("id");
        ctx.json(view(workspaces.startExisting(ownerFor(ctx, id), id)));
    }

    void open(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        WorkspaceRecord running = workspaces.getRunning(caller.user(), ctx.pathParam("id"));
        String port = ctx.queryParam("port");
        ctx.json(port == null ? tokens.link(running, running.hostname())
                : tokens.link(running, AppView.appHost(appPort(port), running.hostname())));
    }

    void apps(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        WorkspaceRecord running = workspaces.getRunning(caller.user(), ctx.pathParam("id"));
        ctx.json(workspaces.appPorts(running).stream()
                .map(p -> AppView.of(p, running.hostname())).toList());
    }

    private static int appPort(String text) {
        return PortNumber.parse(text).orElseThrow(
                () -> ApiException.badRequest("invalid_port", "port must be a number 1-65535 without leading zeros"));
    }

    void delete(Context ctx) {
        String id = ctx.pathParam("id");
        workspaces.delete(ownerFor(ctx, id), id);
        ctx.status(204);
    }

    private WorkspaceView view(WorkspaceRecord r) {
        return WorkspaceView.of(r, proxy, workspaces.uptime(r));
    }
}
