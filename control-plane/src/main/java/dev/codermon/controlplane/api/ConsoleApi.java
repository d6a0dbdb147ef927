package dev.codermon.controlplane.api;

import dev.codermon.controlplane.console.TrafficLog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/** Answers the console's two calls of its own: who is signed in, and the proxy's live traffic. */
public final class ConsoleApi {

    private final ApiAuthenticator auth;
    private final URI proxy;
    private final String domain;
    private final TrafficLog traffic;

    private ConsoleApi(ApiAuthenticator auth, URI proxy, String domain, TrafficLog traffic) {
        this.auth = auth;
        this.proxy = proxy;
        this.domain = domain;
        this.traffic = traffic;
    }

    /** Adds {@code GET /api/me} and {@code GET /api/traffic} (admin only). */
    public static void register(RoutesConfig routes, ApiAuthenticator auth, URI proxy, String domain,
            TrafficLog traffic) {
        ConsoleApi api = new ConsoleApi(auth, proxy, domain, traffic);
        routes.get("/api/me", api::me);
        routes.get("/api/traffic", api::traffic);
    }

    private void me(Context ctx) {
        Caller caller = auth.requireAdminOrUser(ctx);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", caller.user());
        body.put("admin", caller.admin());
        body.put("proxy", proxy.toString());
        body.put("domain", domain);
        ctx.json(body);
    }

    private void traffic(Context ctx) throws Exception {
        Caller caller = auth.requireAdminOrUser(ctx);
        if (!caller.admin()) {
            throw new ApiException(403, "forbidden", "live proxy traffic is for the admin; sign in with the admin key");
        }
        String after = ctx.queryParam("after");
        long cursor;
        try {
            cursor = after == null || after.isEmpty() ? -1 : Long.parseLong(after);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "invalid_cursor", "after must be the number a previous call returned as next");
        }
        TrafficLog.Page page = traffic.after(cursor);
        ctx.json(Map.of("entries", page.entries(), "next", page.next()));
    }
}
