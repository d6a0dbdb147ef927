package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.controlplane.ApiFixture;
import io.javalin.http.HandlerType;
import io.javalin.router.ParsedEndpoint;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static dev.codermon.controlplane.ApiFixture.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** Checks properties of the whole API: authentication everywhere, the Host rule and the OpenAPI description. */
class ApiSurfaceTest {

    private static final Set<HandlerType> HTTP_METHODS = Set.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT,
            HandlerType.PATCH, HandlerType.DELETE);

    @TempDir
    Path tempDir;
    ApiFixture fixture;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** Returns "METHOD path" for every endpoint the app registered. */
    private Set<String> registeredRoutes() {
        Set<String> routes = new TreeSet<>();
        List<ParsedEndpoint> endpoints = fixture.app.unsafe.internalRouter.allHttpHandlers();
        for (ParsedEndpoint e : endpoints) {
            if (HTTP_METHODS.contains(e.endpoint.method)) {
                routes.add(e.endpoint.method.name() + " " + e.endpoint.path);
            }
        }
        return routes;
    }

    @Test
    void every_api_route_refuses_a_request_without_credentials() {
        fixture = new ApiFixture(tempDir);
        JavalinTest.test(fixture.app, (server, client) -> {
            Set<String> routes = registeredRoutes();
            assertTrue(routes.size() >= 10, routes.toString());
            int checked = 0;
            for (String route : routes) {
                String method = route.substring(0, route.indexOf(' '));
                String path = route.substring(route.indexOf(' ') + 1);
                if (!path.startsWith("/api/")) {
                    continue;
                }
                String concrete = path.replace("{id}", "some-id");
                for (String cookie : new String[] {null, "codermon_session=x"}) {
                    Response r = client.request(concrete, b -> {
                        var body = java.net.http.HttpRequest.BodyPublishers.ofString("{}");
                        switch (method) {
                            case "GET" -> b.get();
                            case "POST" -> b.post(body);
                            case "PUT" -> b.put(body);
                            case "PATCH" -> b.patch(body);
                            case "DELETE" -> b.delete(body);
                            default -> throw new AssertionError("untested method " + method);
                        }
                        if (cookie != null) {
                            b.header("Cookie", cookie);
                        }
                    });
                    String body = r.body().string();
                    assertEquals(401, r.code(), route + " answered without credentials: " + body);
                    assertEquals("unauthorized", ApiFixture.JSON.readTree(body).get("error").asText(), route);
                }
                checked++;
            }
            assertTrue(checked >= 9, "checked only " + checked + " routes");
            assertEquals(0, fixture.runtime.starts.get());
        });
    }

    @Test
    void the_openapi_description_lists_exactly_the_registered_routes() {
        fixture = new ApiFixture(tempDir);
        JavalinTest.test(fixture.app, (server, client) -> {
            Response r = ApiFixture.get(client, "/api/openapi.json", fixture.tokens.tokenFor("alice"));
            assertEquals(200, r.code());
            assertTrue(r.headers().get("Content-Type").get(0).startsWith("application/json"));
            JsonNode doc = ApiFixture.JSON.readTree(r.body().string());
            assertTrue(doc.get("openapi").asText().startsWith("3."));
            Set<String> described = new TreeSet<>();
            for (Iterator<String> paths = doc.get("paths").fieldNames(); paths.hasNext(); ) {
                String path = paths.next();
                for (Iterator<String> ops = doc.get("paths").get(path).fieldNames(); ops.hasNext(); ) {
                    String op = ops.next();
                    if (HTTP_METHODS.stream().anyMatch(m -> m.name().equalsIgnoreCase(op))) {
                        described.add(op.toUpperCase(Locale.ROOT) + " " + path);
                    }
                }
            }
            // The console page and its assets are for browsers, not API clients.
            Set<String> routes = new TreeSet<>(registeredRoutes());
            routes.removeIf(route -> route.equals("GET /") || route.startsWith("GET /console/"));
            assertEquals(routes, described);
            assertEquals(200, ApiFixture.get(client, "/api/openapi.json", ApiFixture.ADMIN_KEY).code());
        });
    }

    @Test
    void every_response_is_checked_against_the_statuses_the_description_lists() {
        fixture = new ApiFixture(tempDir);
        JavalinTest.test(fixture.app, (server, client) -> {
            assertEquals(404, ApiFixture.get(client, "/api/workspaces/nope", fixture.tokens.tokenFor("alice")).code());
            assertEquals(401, ApiFixture.get(client, "/api/me", null).code());
            assertEquals(404, ApiFixture.get(client, "/api/nothing-here", ApiFixture.ADMIN_KEY).code());
        });
        assertEquals(Set.of("GET /api/me 401", "GET /api/workspaces/{id} 404"), fixture.responses.seen(),
                "responses to described operations are recorded by template; others are not");
        assertEquals(Set.of(), fixture.responses.undocumented());
        fixture.responses.record("GET", "/api/workspaces/some-id", 418);
        fixture.responses.record("POST", "/api/tokens", 200);
        assertEquals(Set.of("GET /api/workspaces/{id} 418", "POST /api/tokens 200"), fixture.responses.undocumented());
        fixture.responses.record("PUT", "/api/tokens", 418);
        assertEquals(2, fixture.responses.undocumented().size(), "a method the description lacks is ApiSurfaceTest's");
        fixture.responses.clear();
    }

    @Test
    void a_foreign_host_header_is_refused_before_anything_else() {
        fixture = new ApiFixture(tempDir);
        String alice = fixture.tokens.tokenFor("alice");
        JavalinTest.test(fixture.app, (server, client) -> {
            int port = server.port();
            for (String host : new String[] {"evil.example", "evil.example:" + port, "localhost:1",
                    "127.0.0.1.evil.example:" + port, "localhost:x", ""}) {
                for (String path : new String[] {"/healthz", "/api/workspaces"}) {
                    ApiFixture.RawResponse r = raw(port, "GET", path, host, alice);
                    // Jetty answers a malformed Host itself (400); a well-formed foreign one is ours to refuse.
                    boolean malformed = host.isEmpty() || host.endsWith(":x");
                    assertTrue(r.status() == 403 || (malformed && r.status() == 400), host + " " + r);
                    if (r.status() == 403) {
                        JsonNode body = ApiFixture.JSON.readTree(r.body());
                        assertEquals("host_not_allowed", body.get("error").asText());
                    }
                }
            }
            ApiFixture.RawResponse create = raw(port, "POST", "/api/workspaces", "evil.example:" + port, alice);
            assertEquals(403, create.status());
            assertEquals(0, fixture.runtime.starts.get(), "a refused host reaches no handler");

            for (String host : new String[] {"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port,
                    "LOCALHOST:" + port}) {
                assertEquals(200, raw(port, "GET", "/healthz", host, null).status(), host);
                assertEquals(200, raw(port, "GET", "/api/workspaces", host, alice).status(), host);
            }
        });
    }

    @Test
    void configured_hosts_are_allowed_with_or_without_port() {
        fixture = new ApiFixture(tempDir);
        HostGuard guard = new HostGuard(List.of("cp.example.org", "tools.example.org:8443"));
        assertTrue(guard.allows("cp.example.org", 5001));
        assertTrue(guard.allows("cp.example.org:443", 5001));
        assertTrue(guard.allows("tools.example.org:8443", 5001));
        assertFalse(guard.allows("tools.example.org", 5001));
        assertFalse(guard.allows("tools.example.org:8444", 5001));
        assertTrue(guard.allows("localhost:5001", 5001));
        assertTrue(guard.allows("localhost", 80));
        assertFalse(guard.allows("localhost", 5001));
        assertFalse(guard.allows("evil.example", 5001));
        assertFalse(guard.allows(null, 5001));
        assertFalse(guard.allows("localhost:99999", 5001));
        Set<String> none = new HashSet<>();
        assertFalse(new HostGuard(List.copyOf(none)).allows("cp.example.org", 5001));
    }
}
