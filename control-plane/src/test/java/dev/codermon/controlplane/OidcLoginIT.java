package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.controlplane.api.AdminKey;
import dev.codermon.controlplane.api.ApiAuthenticator;
import dev.codermon.controlplane.api.ConsoleSessions;
import dev.codermon.controlplane.api.TokenService;
import dev.codermon.controlplane.login.OidcSettings;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.Javalin;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signs people in through a real OpenID provider (oidc-provider on Node, on loopback) and checks that every
 * bad answer is refused with a clear message and no session.
 */
class OidcLoginIT {

    private static final String USERS = """
            {"alice": {"email": "alice@example.org", "email_verified": true, "preferred_username": "alice",
                       "groups": ["devs", "admins"]},
             "bob": {"email": "bob@example.org", "email_verified": true, "preferred_username": "Bob.Smith",
                     "groups": ["devs"]},
             "alice-twin": {"email": "alice@example.org", "email_verified": true, "preferred_username": "alice",
                            "groups": ["devs"]},
             "carol": {"email": "carol@example.org", "email_verified": false, "preferred_username": "carol",
                       "groups": ["devs"]},
             "dave": {"email": "dave@elsewhere.test", "email_verified": true, "preferred_username": "dave",
                      "groups": ["devs"]},
             "erin": {"email": "erin@example.org", "email_verified": true, "preferred_username": "erin",
                      "groups": ["sales"]}}
            """;

    @TempDir
    static Path providerDir;
    @TempDir
    Path tempDir;

    private static int port;
    private static URI console;
    private static TestOidcProvider provider;

    private SqliteRouteStore store;
    private Javalin app;
    private DocumentedResponses responses;
    private final TestTokens tokens = new TestTokens();

    @BeforeAll
    static void startProvider() throws Exception {
        TestOidcProvider.Console at = TestOidcProvider.Console.onFreePort();
        port = at.port();
        console = at.url();
        provider = TestOidcProvider.startFor(providerDir, at, USERS);
    }

    @AfterAll
    static void stopProvider() {
        if (provider != null) {
            provider.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        provider.mode("normal");
        if (app != null) {
            app.stop();
        }
        if (store != null) {
            store.close();
        }
        if (responses != null) {
            assertEquals(Set.of(), responses.undocumented(), "responses openapi.json does not list");
        }
    }

    private void startControlPlane(URI issuer, Duration timeout) {
        ControlPlaneConfig config = ControlPlaneConfig.defaults(tempDir).withPort(port);
        store = SqliteRouteStore.open(tempDir.resolve("routes.db"));
        WorkspaceService workspaces = new WorkspaceService(store, new FakeRuntime(), tempDir.resolve("workspaces"),
                config::hostnameOf, PolicySettings.defaults().limits(), Clock.systemUTC());
        OidcSettings settings = OidcSettings.fromEnvironment(Map.of(
                "CODERMON_OIDC_ISSUER", issuer.toString(),
                "CODERMON_OIDC_CLIENT_ID", TestOidcProvider.CLIENT_ID,
                "CODERMON_OIDC_CLIENT_SECRET", TestOidcProvider.CLIENT_SECRET,
                "CODERMON_OIDC_SCOPES", "openid email profile groups",
                "CODERMON_OIDC_CONSENT_PROMPT", "true",
                "CODERMON_OIDC_ALLOWED_DOMAINS", "example.org",
                "CODERMON_OIDC_ALLOWED_GROUPS", "devs",
                "CODERMON_OIDC_ADMIN_GROUP", "admins",
                "CODERMON_CONSOLE_URL", console.toString(),
                "CODERMON_OIDC_TIMEOUT", timeout.toMillis() + "ms"), port).orElseThrow();
        app = ControlPlaneApp.create(config, new ApiAuthenticator(AdminKey.of(ApiFixture.ADMIN_KEY),
                tokens.verifier(), store), new TokenService(tokens.issuer(), Duration.ofHours(8),
                Duration.ofSeconds(60), store, Clock.systemUTC()), workspaces, store,
                new SshKeyService(store, new WorkspaceSshFiles(tempDir.resolve("ssh")), Clock.systemUTC()),
                new ControlPlaneApp.People(settings, store.people(), store));
        responses = DocumentedResponses.attach(app);
        app.start();
    }

    private void startControlPlane() {
        startControlPlane(provider.issuer, Duration.ofSeconds(5));
    }

    /** Signs in as the provider's {@code login} all the way and returns the session's CSRF value. */
    private String signIn(OidcBrowser browser, String login) throws Exception {
        URI back = browser.signInAtProvider(browser.startLogin(console), login);
        HttpResponse<String> r = browser.get(back);
        assertEquals(303, r.statusCode(), r.body());
        assertEquals("/", r.headers().firstValue("Location").orElseThrow());
        return session(browser).get("csrf").asText();
    }

    private JsonNode session(OidcBrowser browser) throws Exception {
        HttpResponse<String> r = browser.get(console.resolve("/api/session"));
        assertEquals(200, r.statusCode(), r.body());
        return ApiFixture.JSON.readTree(r.body());
    }

    private HttpResponse<String> api(OidcBrowser browser, String method, String path, String csrf, String json)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(console.resolve(path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (csrf != null) {
            b.header(ConsoleSessions.CSRF_HEADER, csrf);
        }
        return browser.send(b);
    }

    private void assertRefused(OidcBrowser browser, HttpResponse<String> r, int status, String words) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.body().contains(words), "expected '" + words + "' in: " + r.body());
        assertNull(browser.cookie(console, ConsoleSessions.COOKIE), "no session after a refused sign-in");
    }

    @Test
    void the_code_flow_signs_a_person_in_with_a_console_session_only_the_console_can_use() throws Exception {
        startControlPlane();
        OidcBrowser browser = new OidcBrowser();
        URI authorization = browser.startLogin(console);
        String query = authorization.getQuery();
        assertTrue(query.contains("code_challenge_method=S256") && query.contains("nonce=")
                && query.contains("state="), query);
        URI back = browser.signInAtProvider(authorization, "alice");
        HttpResponse<String> r = browser.get(back);
        assertEquals(303, r.statusCode(), r.body());
        String setCookie = r.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(ConsoleSessions.COOKIE + "=")).findFirst().orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        JsonNode session = session(browser);
        assertEquals("alice", session.get("user").asText());
        assertEquals("admin", session.get("role").asText(), "alice is in the admin group");
        assertEquals("alice@example.org", session.get("email").asText());
        String csrf = session.get("csrf").asText();

        HttpResponse<String> me = api(browser, "GET", "/api/me", csrf, null);
        assertEquals(200, me.statusCode(), me.body());
        assertEquals("alice", ApiFixture.JSON.readTree(me.body()).get("user").asText());
        HttpResponse<String> noCsrf = api(browser, "GET", "/api/me", null, null);
        assertEquals(401, noCsrf.statusCode());
        assertTrue(noCsrf.body().contains("console page only"), noCsrf.body());
        HttpResponse<String> crossSite = browser.send(HttpRequest.newBuilder(console.resolve("/api/me"))
                .header(ConsoleSessions.CSRF_HEADER, csrf).header("Sec-Fetch-Site", "cross-site").GET());
        assertEquals(401, crossSite.statusCode(), "a page of another site cannot use the cookie");

        HttpResponse<String> again = browser.get(back);
        assertEquals(400, again.statusCode(), "the callback works once");
        assertTrue(again.body().contains("start again from the console"), again.body());
    }

    @Test
    void names_come_from_a_claim_made_safe_and_two_people_never_share_one() throws Exception {
        startControlPlane();
        OidcBrowser bob = new OidcBrowser();
        signIn(bob, "bob");
        assertEquals("bob-smith", session(bob).get("user").asText());
        assertEquals("user", session(bob).get("role").asText());
        OidcBrowser alice = new OidcBrowser();
        signIn(alice, "alice");
        OidcBrowser twin = new OidcBrowser();
        signIn(twin, "alice-twin");
        assertEquals("alice", session(alice).get("user").asText());
        assertEquals("alice-2", session(twin).get("user").asText(), "same claim, another subject: another name");
        OidcBrowser aliceAgain = new OidcBrowser();
        signIn(aliceAgain, "alice");
        assertEquals("alice", session(aliceAgain).get("user").asText(), "the same person keeps their name");
    }

    @Test
    void a_missing_or_foreign_state_opens_no_session() throws Exception {
        startControlPlane();
        OidcBrowser browser = new OidcBrowser();
        URI back = browser.signInAtProvider(browser.startLogin(console), "alice");
        String code = query(back, "code");
        assertRefused(browser, browser.get(console.resolve("/login/callback?code=" + code)), 400, "no state");
        OidcBrowser other = new OidcBrowser();
        other.startLogin(console);
        assertRefused(other, other.get(back), 400, "does not match a sign-in this browser started");
        assertRefused(browser, browser.get(console.resolve("/login/callback?code=" + code + "&state=forged")), 400,
                "does not match");
    }

    @Test
    void a_replayed_code_is_refused_by_the_provider_and_opens_no_session() throws Exception {
        startControlPlane();
        OidcBrowser first = new OidcBrowser();
        URI back = first.signInAtProvider(first.startLogin(console), "alice");
        assertEquals(303, first.get(back).statusCode());
        OidcBrowser attacker = new OidcBrowser();
        URI attackerLogin = attacker.startLogin(console);
        String state = query(attackerLogin, "state");
        HttpResponse<String> r = attacker.get(console.resolve("/login/callback?code=" + query(back, "code")
                + "&state=" + state));
        assertRefused(attacker, r, 400, "refused the sign-in code");
    }

    @Test
    void an_id_token_with_another_nonce_is_refused() throws Exception {
        startControlPlane();
        OidcBrowser browser = new OidcBrowser();
        URI authorization = browser.startLogin(console);
        URI tampered = URI.create(authorization.toString().replaceAll("nonce=[^&]+", "nonce=someone-elses-nonce"));
        URI back = browser.signInAtProvider(tampered, "alice");
        assertRefused(browser, browser.get(back), 400, "nonce");
    }

    @Test
    void id_tokens_for_another_audience_from_another_issuer_expired_or_wrongly_signed_are_refused()
            throws Exception {
        startControlPlane();
        for (List<String> c : List.of(List.of("wrong-aud", "audience"), List.of("wrong-iss", "issuer"),
                List.of("expired", "xpired"), List.of("wrong-key", "signature"))) {
            provider.mode(c.get(0));
            OidcBrowser browser = new OidcBrowser();
            URI back = browser.signInAtProvider(browser.startLogin(console), "alice");
            HttpResponse<String> r = browser.get(back);
            assertRefused(browser, r, 400, "ID token was refused");
            assertTrue(r.body().toLowerCase().contains(c.get(1)), c.get(0) + ": " + r.body());
        }
    }

    @Test
    void unverified_email_other_domains_and_other_groups_are_not_let_in() throws Exception {
        startControlPlane();
        OidcBrowser carol = new OidcBrowser();
        assertRefused(carol, carol.get(carol.signInAtProvider(carol.startLogin(console), "carol")), 403,
                "not verified");
        OidcBrowser dave = new OidcBrowser();
        assertRefused(dave, dave.get(dave.signInAtProvider(dave.startLogin(console), "dave")), 403,
                "domain elsewhere.test is not allowed");
        OidcBrowser erin = new OidcBrowser();
        assertRefused(erin, erin.get(erin.signInAtProvider(erin.startLogin(console), "erin")), 403,
                "none of the groups");
    }

    @Test
    void a_slow_provider_times_out_and_a_down_one_is_named() throws Exception {
        startControlPlane(provider.issuer, Duration.ofSeconds(2));
        provider.mode("slow");
        OidcBrowser browser = new OidcBrowser();
        URI back = browser.signInAtProvider(browser.startLogin(console), "alice");
        long started = System.nanoTime();
        HttpResponse<String> r = browser.get(back);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertRefused(browser, r, 504, "did not answer within 2000 ms");
        assertTrue(tookMs < 8_000, "took " + tookMs + " ms");
        app.stop();
        store.close();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        startControlPlane(URI.create("http://127.0.0.1:" + closed), Duration.ofSeconds(2));
        HttpResponse<String> down = browser.get(console.resolve("/login"));
        assertRefused(browser, down, 502, "cannot be reached");
    }

    @Test
    void personal_tokens_are_created_listed_used_and_revoked_one_by_one() throws Exception {
        startControlPlane();
        OidcBrowser bob = new OidcBrowser();
        String csrf = signIn(bob, "bob");
        HttpResponse<String> created = api(bob, "POST", "/api/me/tokens", csrf,
                "{\"name\":\"laptop scripts\",\"ttl\":\"1h\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode token = ApiFixture.JSON.readTree(created.body());
        HttpResponse<String> other = api(bob, "POST", "/api/me/tokens", csrf, "{\"name\":\"ci\"}");
        JsonNode second = ApiFixture.JSON.readTree(other.body());
        HttpResponse<String> list = api(bob, "GET", "/api/me/tokens", csrf, null);
        assertEquals(200, list.statusCode());
        assertEquals(2, ApiFixture.JSON.readTree(list.body()).size());
        assertTrue(!list.body().contains(token.get("token").asText()), "the list never shows a token");
        assertEquals(200, bearer(token.get("token").asText(), "/api/me").statusCode());
        HttpResponse<String> noSession = bearerPost(token.get("token").asText(), "/api/me/tokens", "{\"name\":\"x\"}");
        assertEquals(401, noSession.statusCode(), "a token cannot mint tokens: that needs a signed-in person");

        assertEquals(204, api(bob, "DELETE", "/api/me/tokens/" + token.get("tokenId").asText(), csrf, null)
                .statusCode());
        HttpResponse<String> revoked = bearer(token.get("token").asText(), "/api/me");
        assertEquals(401, revoked.statusCode());
        assertTrue(revoked.body().contains("revoked"), revoked.body());
        assertEquals(200, bearer(second.get("token").asText(), "/api/me").statusCode(), "the other one still works");
        assertTrue(store.revocations().containsKey("token:" + token.get("tokenId").asText()),
                "the proxy reads the same revocation");
        assertEquals(404, api(bob, "DELETE", "/api/me/tokens/not-a-token", csrf, null).statusCode());
    }

    @Test
    void each_person_sees_only_their_own_traffic_and_signing_out_ends_everything() throws Exception {
        startControlPlane();
        OidcBrowser bob = new OidcBrowser();
        String csrf = signIn(bob, "bob");
        HttpResponse<String> mine = api(bob, "GET", "/api/traffic?after=0", csrf, null);
        assertEquals(200, mine.statusCode(), mine.body());
        HttpResponse<String> theirs = api(bob, "GET", "/api/traffic?after=0&user=alice", csrf, null);
        assertEquals(403, theirs.statusCode());
        assertTrue(theirs.body().contains("another person"), theirs.body());
        JsonNode token = ApiFixture.JSON.readTree(api(bob, "POST", "/api/me/tokens", csrf,
                "{\"name\":\"cli\"}").body());

        HttpResponse<String> out = api(bob, "POST", "/api/session/logout", csrf, null);
        assertEquals(200, out.statusCode(), out.body());
        assertEquals(401, api(bob, "GET", "/api/me", csrf, null).statusCode(), "the console session ended");
        assertEquals(401, bob.get(console.resolve("/api/session")).statusCode());
        assertEquals(401, bearer(token.get("token").asText(), "/api/me").statusCode(), "tokens revoked too");
        assertTrue(store.revocations().containsKey("bob-smith"), "the proxy reads the revocation and closes tunnels");
    }

    @Test
    void a_person_the_provider_no_longer_lets_in_loses_every_token_and_session() throws Exception {
        startControlPlane();
        provider.user("{\"login\":\"frank\",\"email\":\"frank@example.org\",\"email_verified\":true,"
                + "\"preferred_username\":\"frank\",\"groups\":[\"devs\"]}");
        OidcBrowser frank = new OidcBrowser();
        String csrf = signIn(frank, "frank");
        JsonNode token = ApiFixture.JSON.readTree(api(frank, "POST", "/api/me/tokens", csrf,
                "{\"name\":\"cli\"}").body());
        assertEquals(200, bearer(token.get("token").asText(), "/api/me").statusCode());
        provider.user("{\"login\":\"frank\",\"email\":\"frank@example.org\",\"email_verified\":true,"
                + "\"preferred_username\":\"frank\",\"groups\":[]}");
        OidcBrowser again = new OidcBrowser();
        assertRefused(again, again.get(again.signInAtProvider(again.startLogin(console), "frank")), 403,
                "none of the groups");
        Thread.sleep(1_100);
        assertEquals(401, bearer(token.get("token").asText(), "/api/me").statusCode(), "his token is revoked");
        assertEquals(401, api(frank, "GET", "/api/me", csrf, null).statusCode(), "his console session ended");
        assertTrue(store.people().findPerson("frank").orElseThrow().disabled());
    }

    @Test
    void admin_key_sign_in_still_works_beside_oidc() throws Exception {
        startControlPlane();
        HttpResponse<String> me = bearer(ApiFixture.ADMIN_KEY, "/api/me");
        assertEquals(200, me.statusCode());
        assertTrue(ApiFixture.JSON.readTree(me.body()).get("admin").asBoolean());
        HttpResponse<String> options = new OidcBrowser().get(console.resolve("/login/options"));
        assertEquals(200, options.statusCode());
        assertNotNull(ApiFixture.JSON.readTree(options.body()).get("oidc"));
        assertTrue(ApiFixture.JSON.readTree(options.body()).get("oidc").asBoolean());
    }

    private HttpResponse<String> bearer(String token, String path) throws Exception {
        return new OidcBrowser().send(HttpRequest.newBuilder(console.resolve(path))
                .header("Authorization", "Bearer " + token).GET());
    }

    private HttpResponse<String> bearerPost(String token, String path, String json) throws Exception {
        return new OidcBrowser().send(HttpRequest.newBuilder(console.resolve(path))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static String query(URI uri, String name) {
        for (String pair : uri.getRawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + uri);
    }
}
