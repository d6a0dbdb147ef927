package dev.codermon.controlplane.api;

import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.PresenceReader;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.console.TrafficLog;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Answers the console's calls of its own: who is signed in, the proxy's live traffic (everyone's for the
 * admin, each person's own for them), and why a workspace is still alive.
 */
public final class ConsoleApi {

    private final ApiAuthenticator auth;
    private final URI proxy;
    private final String domain;
    private final TrafficLog traffic;
    private final WorkspaceService workspaces;
    private final PresenceReader presence;
    private final Duration idleTimeout;
    private final Clock clock;
    private final boolean oidc;

    private ConsoleApi(ApiAuthenticator auth, URI proxy, String domain, TrafficLog traffic,
            WorkspaceService workspaces, PresenceReader presence, Duration idleTimeout, boolean oidc, Clock clock) {
        this.auth = auth;
        this.proxy = proxy;
        this.domain = domain;
        this.traffic = traffic;
        this.workspaces = workspaces;
        this.presence = presence;
        this.idleTimeout = idleTimeout;
        this.oidc = oidc;
        this.clock = clock;
    }

    /**
     * Adds {@code GET /api/me}, {@code GET /login/options}, {@code GET /api/traffic},
     * {@code GET /api/workspaces/{id}/activity}, and, when people sign in through OpenID Connect
     * ({@code person} not null), the session and personal-token endpoints.
     */
    public static void register(RoutesConfig routes, ApiAuthenticator auth, URI proxy, String domain,
            TrafficLog traffic, WorkspaceService workspaces, PresenceReader presence, Duration idleTimeout,
            PersonEndpoints person) {
        ConsoleApi api = new ConsoleApi(auth, proxy, domain, traffic, workspaces, presence, idleTimeout,
                person != null, Clock.systemUTC());
        routes.get("/api/me", api::me);
        routes.get("/login/options", ctx -> ctx.json(Map.of("oidc", api.oidc, "loginUrl", "/login")));
        routes.get("/api/traffic", api::traffic);
        routes.get("/api/workspaces/{id}/activity", api::activity);
        PersonController c = person == null ? null : person.controller(auth);
        routes.get("/api/session", ctx -> configured(c).session(ctx));
        routes.post("/api/session/logout", ctx -> configured(c).logout(ctx));
        routes.post("/api/me/tokens", ctx -> configured(c).createToken(ctx));
        routes.get("/api/me/tokens", ctx -> configured(c).listTokens(ctx));
        routes.delete("/api/me/tokens/{id}", ctx -> configured(c).revokeToken(ctx));
    }

    private static PersonController configured(PersonController c) {
        if (c == null) {
            throw ApiException.unauthorized("people sign in with tokens here: OpenID Connect is not configured"
                    + " (CODERMON_OIDC_ISSUER); send Authorization: Bearer <token>");
        }
        return c;
    }

    private void me(Context ctx) {
        Caller caller = auth.requireAdminOrUser(ctx);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", caller.user());
        body.put("admin", caller.admin());
        body.put("role", caller.admin() ? "admin" : caller.person() ? caller.session().role() : "user");
        body.put("proxy", proxy.toString());
        body.put("domain", domain);
        ctx.json(body);
    }

    private void traffic(Context ctx) throws Exception {
        Caller caller = auth.requireAdminOrUser(ctx);
        String wanted = ctx.queryParam("user");
        if (!caller.seesAllTraffic() && wanted != null && !wanted.equals(caller.user())) {
            throw new ApiException(403, "forbidden", "live traffic of another person is theirs alone; you see only"
                    + " your own (user " + caller.user() + ")");
        }
        String after = ctx.queryParam("after");
        long cursor;
        try {
            cursor = after == null || after.isEmpty() ? -1 : Long.parseLong(after);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "invalid_cursor", "after must be the number a previous call returned as next");
        }
        TrafficLog.Page page = traffic.after(cursor);
        List<Map<String, Object>> entries = page.entries();
        String only = caller.seesAllTraffic() ? wanted : caller.user();
        if (only != null) {
            entries = entries.stream().filter(e -> only.equals(e.get("user"))).toList();
        }
        ctx.json(Map.of("entries", entries, "next", page.next()));
    }

    /**
     * Says why a workspace is still alive: its last real activity, what the proxies hold open for it
     * (connections, WebSockets, tunnels, summed over every proxy that published recently), and the time
     * left until the idle stop.
     */
    private void activity(Context ctx) {
        Caller caller = auth.requireAdminOrUser(ctx);
        String id = ctx.pathParam("id");
        String owner = workspaces.ownerOf(id);
        if (!caller.seesAllTraffic() && !owner.equals(caller.user())) {
            throw new ApiException(403, "forbidden", "this workspace is another person's; its activity is theirs"
                    + " alone");
        }
        WorkspaceRecord r = workspaces.get(owner, id);
        Instant now = clock.instant();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", r.id());
        body.put("user", r.user());
        body.put("state", r.state().name());
        body.put("lastActivityAt", r.lastActivityAt());
        body.put("idleTimeoutSeconds", idleTimeout.toSeconds());
        OpenCounts open = presence.openCounts(r.id(), now.minus(PresenceReader.FRESH_FOR));
        body.put("openConnections", open.connections());
        body.put("openWebSockets", open.webSockets());
        body.put("openTunnels", open.tunnels());
        if (r.state() == WorkspaceState.RUNNING) {
            Instant stopAt = r.lastActivityAt().plus(idleTimeout);
            body.put("idleStopAt", stopAt);
            body.put("secondsUntilIdleStop", Math.max(0, Duration.between(now, stopAt).toSeconds()));
        } else {
            body.put("idleStopAt", null);
            body.put("secondsUntilIdleStop", null);
        }
        body.put("reason", reason(r, open, now));
        ctx.json(body);
    }

    private String reason(WorkspaceRecord r, OpenCounts open, Instant now) {
        if (r.state() != WorkspaceState.RUNNING) {
            return "not running (" + r.state().name().toLowerCase(Locale.ROOT) + ")";
        }
        long ago = Math.max(0, Duration.between(r.lastActivityAt(), now).toSeconds());
        return "running: the proxy saw real traffic " + ago + " s ago (keepalives do not count); open now: "
                + count(open.connections(), "connection") + ", " + count(open.webSockets(), "WebSocket") + ", "
                + count(open.tunnels(), "tunnel") + " (open connections alone do not keep it alive); it stops after "
                + idleTimeout.toMinutes() + " min without real traffic";
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
