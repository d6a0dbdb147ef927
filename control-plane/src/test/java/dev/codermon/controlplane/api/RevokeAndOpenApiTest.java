package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.BootstrapGrant;
import dev.codermon.auth.InvalidTokenException;
import dev.codermon.auth.Principal;
import dev.codermon.controlplane.ApiFixture;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import static dev.codermon.controlplane.ApiFixture.ADMIN_KEY;
import static dev.codermon.controlplane.ApiFixture.get;
import static dev.codermon.controlplane.ApiFixture.json;
import static dev.codermon.controlplane.ApiFixture.post;
import static dev.codermon.controlplane.api.TokenApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


class RevokeAndOpenApiTest extends TwoUserApiTest {

    private static final String LINK_PREFIX = "http://main.alice.codermon.internal/__codermon/auth?token=";

    @Test
    void the_admin_revokes_a_users_tokens_and_a_new_token_works_at_once() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Instant before = Instant.now();
            Response r = post(client, "/api/tokens/revoke", ADMIN_KEY, "{\"user\":\"alice\"}");
            assertEquals(200, r.code());
            JsonNode body = json(r);
            assertEquals("alice", body.get("user").asText());
            Instant revokedBefore = Instant.parse(body.get("revokedBefore").asText());
            assertEquals(revokedBefore, fixture.store.revocations().get("alice"));
            assertTrue(revokedBefore.isAfter(before), "everything issued up to the revocation is refused");
            assertEquals(0, revokedBefore.getNano(), "a whole second, like iat");
            assertFalse(fixture.store.revocations().containsKey("bob"));

            Response refused = get(client, "/api/workspaces", alice);
            assertEquals(401, refused.code());
            assertTrue(json(refused).get("detail").asText().contains("revoked"));
            assertEquals(200, get(client, "/api/workspaces", bob).code(), "bob is not affected");

            String fresh = json(post(client, "/api/tokens", ADMIN_KEY, "{\"user\":\"alice\"}")).get("token").asText();
            Principal p = fixture.tokens.verifier().verify(fresh);
            assertFalse(p.issuedAt().isBefore(revokedBefore), "a token minted after the revocation is valid");
            assertEquals(200, get(client, "/api/workspaces", fresh).code());
        });
    }

    @Test
    void a_user_revokes_their_own_tokens_but_not_someone_elses() {
        JavalinTest.test(fixture.app, (server, client) -> {
            assertError(post(client, "/api/tokens/revoke", alice, "{\"user\":\"bob\"}"), 403, "forbidden");
            assertFalse(fixture.store.revocations().containsKey("bob"));
            assertEquals(200, get(client, "/api/workspaces", bob).code());

            Response own = post(client, "/api/tokens/revoke", alice, "");
            assertEquals(200, own.code());
            assertEquals("alice", json(own).get("user").asText());
            assertTrue(fixture.store.revocations().containsKey("alice"));
            assertEquals(401, get(client, "/api/workspaces", alice).code());

            assertEquals(200, post(client, "/api/tokens/revoke", bob, "{\"user\":\"bob\"}").code());
        });
    }

    @Test
    void revoking_needs_credentials_and_the_admin_must_name_a_valid_user() {
        JavalinTest.test(fixture.app, (server, client) -> {
            assertError(post(client, "/api/tokens/revoke", null, "{\"user\":\"alice\"}"), 401, "unauthorized");
            assertError(post(client, "/api/tokens/revoke", ADMIN_KEY, ""), 400, "invalid_user");
            assertError(post(client, "/api/tokens/revoke", ADMIN_KEY, "{\"user\":\"Alice!\"}"), 400, "invalid_user");
            assertTrue(fixture.store.revocations().isEmpty());
        });
    }

    @Test
    void open_issues_a_one_time_link_for_the_workspace_host() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Response r = post(client, "/api/workspaces/" + id + "/open", alice, "");
            assertEquals(200, r.code());
            JsonNode link = json(r);
            String url = link.get("url").asText();
            assertTrue(url.startsWith(LINK_PREFIX), url);
            String token = url.substring(LINK_PREFIX.length());
            assertEquals("https://main.alice.codermon.internal/__codermon/auth?token=" + token,
                    link.get("httpsUrl").asText());

            BootstrapGrant grant = fixture.tokens.verifier().verifyBootstrap(token);
            assertEquals("alice", grant.user());
            assertEquals(id, grant.workspaceId());
            assertEquals("main.alice.codermon.internal", grant.hostname());
            assertEquals(Instant.parse(link.get("expiresAt").asText()), grant.expiresAt());
            Duration ttl = Duration.between(before, grant.expiresAt());
            assertTrue(ttl.compareTo(Duration.ofSeconds(60)) >= 0 && ttl.compareTo(Duration.ofSeconds(62)) <= 0,
                    ttl.toString());
            assertThrows(InvalidTokenException.class, () -> fixture.tokens.verifier().verify(token),
                    "a link token is no user token");
            assertEquals(401, get(client, "/api/workspaces", token).code());

            String second = json(post(client, "/api/workspaces/" + id + "/open", alice, "")).get("url").asText();
            assertFalse(second.equals(url), "every link is new");
        });
    }

    @Test
    void open_of_a_workspace_that_is_not_running_is_409() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String id = json(post(client, "/api/workspaces", alice, "{}")).get("id").asText();
            post(client, "/api/workspaces/" + id + "/stop", alice, "");
            Response r = post(client, "/api/workspaces/" + id + "/open", alice, "");
            assertError(r, 409, "not_running");
            assertError(post(client, "/api/workspaces/" + id + "/open", ADMIN_KEY, ""), 401, "unauthorized");
        });
    }
}
