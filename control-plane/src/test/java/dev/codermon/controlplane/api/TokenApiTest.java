package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.Principal;
import dev.codermon.controlplane.ApiFixture;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static dev.codermon.controlplane.ApiFixture.ADMIN_KEY;
import static dev.codermon.controlplane.ApiFixture.json;
import static dev.codermon.controlplane.ApiFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


class TokenApiTest {

    @TempDir
    Path tempDir;
    ApiFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new ApiFixture(tempDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void admin_mints_a_token_that_verifies_for_the_user() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response r = post(client, "/api/tokens", ADMIN_KEY, "{\"user\":\"alice\",\"ttl\":\"30m\"}");
            assertEquals(201, r.code());
            JsonNode body = json(r);
            assertEquals("alice", body.get("user").asText());
            Principal p = fixture.tokens.verifier().verify(body.get("token").asText());
            assertEquals("alice", p.user());
            assertEquals(p.tokenId(), body.get("tokenId").asText());
            Instant expires = Instant.parse(body.get("expiresAt").asText());
            assertEquals(p.expiresAt(), expires);
            assertEquals(Duration.ofMinutes(30), Duration.between(p.issuedAt(), p.expiresAt()));
        });
    }

    @Test
    void ttl_defaults_to_and_is_capped_by_the_configured_maximum() {
        JavalinTest.test(fixture.app, (server, client) -> {
            for (String body : new String[] {"{\"user\":\"alice\"}", "{\"user\":\"alice\",\"ttl\":\"30d\"}"}) {
                Response r = post(client, "/api/tokens", ADMIN_KEY, body);
                assertEquals(201, r.code());
                Principal p = fixture.tokens.verifier().verify(json(r).get("token").asText());
                assertEquals(Duration.ofHours(8), Duration.between(p.issuedAt(), p.expiresAt()));
            }
        });
    }

    @Test
    void minting_without_admin_key_is_401_with_challenge_and_json() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response r = post(client, "/api/tokens", null, "{\"user\":\"alice\"}");
            assertEquals(401, r.code());
            assertTrue(r.headers().get("WWW-Authenticate").get(0).startsWith("Bearer"));
            JsonNode body = json(r);
            assertEquals("unauthorized", body.get("error").asText());
            assertFalse(body.get("detail").asText().isBlank());
        });
    }

    @Test
    void minting_with_wrong_admin_key_or_user_token_is_401() {
        JavalinTest.test(fixture.app, (server, client) -> {
            assertEquals(401, post(client, "/api/tokens", ADMIN_KEY + "x", "{\"user\":\"alice\"}").code());
            assertEquals(401, post(client, "/api/tokens", fixture.tokens.tokenFor("alice"),
                    "{\"user\":\"alice\"}").code());
            Response basic = client.request("/api/tokens", b -> b
                    .post(java.net.http.HttpRequest.BodyPublishers.ofString("{\"user\":\"alice\"}"))
                    .header("Authorization", "Basic " + ADMIN_KEY));
            assertEquals(401, basic.code());
        });
    }

    @Test
    void invalid_user_ttl_or_json_is_400() {
        JavalinTest.test(fixture.app, (server, client) -> {
            assertError(post(client, "/api/tokens", ADMIN_KEY, "{\"user\":\"Alice!\"}"), 400, "invalid_user");
            assertError(post(client, "/api/tokens", ADMIN_KEY, "{\"user\":\"\"}"), 400, "invalid_user");
            assertError(post(client, "/api/tokens", ADMIN_KEY, "{}"), 400, "invalid_user");
            assertError(post(client, "/api/tokens", ADMIN_KEY, "{\"user\":\"alice\",\"ttl\":\"soon\"}"), 400,
                    "invalid_ttl");
            assertError(post(client, "/api/tokens", ADMIN_KEY, "{\"user\":\"alice\",\"ttl\":\"0s\"}"), 400,
                    "invalid_ttl");
            assertError(post(client, "/api/tokens", ADMIN_KEY, "{\"user\":"), 400, "invalid_json");
            assertError(post(client, "/api/tokens", ADMIN_KEY, ""), 400, "invalid_json");
            assertError(post(client, "/api/tokens", ADMIN_KEY, "{\"user\":\"alice\",\"admin\":true}"), 400,
                    "invalid_json");
        });
    }

    @Test
    void healthz_needs_no_auth_and_unknown_routes_are_json_404() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response health = client.get("/healthz");
            assertEquals(200, health.code());
            assertEquals("ok", json(health).get("status").asText());
            assertError(client.get("/api/nothing-here"), 404, "not_found");
            assertError(client.get("/no-such-page"), 404, "not_found");
        });
    }

    static void assertError(Response r, int status, String code) throws Exception {
        String raw = r.body().string();
        assertEquals(status, r.code(), raw);
        JsonNode body = ApiFixture.JSON.readTree(raw);
        assertEquals(code, body.get("error").asText(), raw);
        assertFalse(body.get("detail").asText().isBlank(), raw);
    }
}
