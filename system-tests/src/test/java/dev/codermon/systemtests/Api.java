package dev.codermon.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** The control plane's API (docs/api.md), called directly (not through the proxy) as a user or the admin. */
final class Api {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    // A new connection per call, as the scripts' curl made: a kept-alive one that the control plane's
    // server closed while idle (or a control plane a test killed) would fail the next call with
    // "unexpected end of stream", and retrying is off so that no POST is ever sent twice (CI saw it once).
    private static final OkHttpClient CLIENT = new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS))
            .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(180))
            .callTimeout(Duration.ofSeconds(200)).retryOnConnectionFailure(false).build();

    /** An answer: status, body and the body as JSON (a missing node when it is not JSON). */
    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return JSON.missingNode();
            }
        }

        /** Returns a text field of the JSON body, or "" when it is absent. */
        String field(String name) {
            return json().path(name).asText("");
        }
    }

    /** A user's workspace as the orchestrator prints it: where it is and the token that reaches it. */
    record Workspace(String id, String user, String url, String proxy, String token) {
        String host() {
            return "main." + user + "." + Codermon.DOMAIN;
        }
    }

    private final Codermon codermon;

    Api(Codermon codermon) {
        this.codermon = codermon;
    }

    int healthz() {
        try {
            return call("GET", "/healthz", null, null).status();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** Calls METHOD PATH with a bearer token (none when null) and an optional JSON body. */
    Reply call(String method, String path, String bearer, Object body) {
        Request.Builder b = new Request.Builder().url(codermon.cpUrl() + path).header("Accept", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        RequestBody rb = null;
        if (body != null) {
            try {
                rb = RequestBody.create(JSON.writeValueAsString(body), JSON_TYPE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else if (method.equals("POST")) {
            rb = RequestBody.create(new byte[0], null);
        }
        try (Response r = CLIENT.newCall(b.method(method, rb).build()).execute()) {
            return new Reply(r.code(), r.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed: " + e.getMessage(), e);
        }
    }

    /** Mints a user token with the admin key (POST /api/tokens). */
    String token(String user, String ttl) {
        Reply r = call("POST", "/api/tokens", codermon.adminKey(), Map.of("user", user, "ttl", ttl));
        if (r.status() != 201) {
            throw new AssertionError("POST /api/tokens for " + user + " answered " + r.status() + " " + r.body());
        }
        return r.field("token");
    }

    /** Creates the user's workspace named main with this token: the answer, unchecked. */
    Reply create(String token, String name) {
        return call("POST", "/api/workspaces", token, Map.of("name", name));
    }

    /**
     * Does what scripts/orchestrator does: mints a token for the user (8 h), creates (or finds) the
     * workspace named main and waits until it is ready; fails with the answer when that is not 200/201.
     */
    Workspace workspaceFor(String user) {
        String token = token(user, "8h");
        Reply r = create(token, "main");
        if (r.status() != 201 && r.status() != 200) {
            throw new AssertionError("creating " + user + "'s workspace answered " + r.status() + " " + r.body()
                    + codermon.tails());
        }
        return new Workspace(r.field("id"), user, r.field("url"), r.field("proxy"), token);
    }

    /** Returns the workspace's state as GET /api/workspaces/{id} tells it ("" when it does not answer). */
    String state(String id, String token) {
        try {
            return call("GET", "/api/workspaces/" + id, token, null).field("state");
        } catch (UncheckedIOException e) {
            return "";
        }
    }
}
