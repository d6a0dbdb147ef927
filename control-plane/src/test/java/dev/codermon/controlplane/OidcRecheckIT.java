package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import dev.codermon.controlplane.login.ProviderRecheck;
import dev.codermon.controlplane.monitor.ClusterJobs;
import dev.codermon.controlplane.monitor.Reconciler;
import dev.codermon.controlplane.monitor.WorkspaceMonitor;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-checks signed-in people at a real OpenID provider (oidc-provider on Node, on loopback) with the refresh
 * token it gave at sign-in: a person disabled there loses their tokens and console session within the
 * re-check interval; a provider that is down or slow disables nobody.
 */
class OidcRecheckIT {

    private static final String USERS = """
            {"bob": {"email": "bob@example.org", "email_verified": true, "preferred_username": "bob",
                     "groups": ["devs"]},
             "gina": {"email": "gina@example.org", "email_verified": true, "preferred_username": "gina",
                      "groups": ["devs"]}}
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
    private WorkspaceMonitor monitor;
    private ProviderRecheck recheck;
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
        provider.disable("bob", false);
        if (monitor != null) {
            monitor.close();
        }
        if (app != null) {
            app.stop();
        }
        if (store != null) {
            store.close();
        }
    }

    /** Starts the control plane; with {@code interval} the re-check runs on the monitor's scheduler. */
    private void startControlPlane(URI issuer, Map<String, String> extra, Duration interval) {
        ControlPlaneConfig config = ControlPlaneConfig.defaults(tempDir).withPort(port);
        store = SqliteRouteStore.open(tempDir.resolve("routes.db"));
        FakeRuntime runtime = new FakeRuntime();
        WorkspaceService workspaces = new WorkspaceService(store, runtime, tempDir.resolve("workspaces"),
                config::hostnameOf, PolicySettings.defaults().limits(), Clock.systemUTC());
        Map<String, String> env = new HashMap<>(Map.of(
                "CODERMON_OIDC_ISSUER", issuer.toString(),
                "CODERMON_OIDC_CLIENT_ID", TestOidcProvider.CLIENT_ID,
                "CODERMON_OIDC_CLIENT_SECRET", TestOidcProvider.CLIENT_SECRET,
                "CODERMON_OIDC_SCOPES", "openid email profile groups",
                "CODERMON_OIDC_ALLOWED_DOMAINS", "example.org",
                "CODERMON_OIDC_ALLOWED_GROUPS", "devs",
                "CODERMON_CONSOLE_URL", console.toString(),
                "CODERMON_OIDC_TIMEOUT", "2s",
                "CODERMON_OIDC_RECHECK_INTERVAL", interval.toMillis() + "ms"));
        // oidc-provider issues refresh tokens only with prompt=consent (OpenID Connect Core 11).
        env.put("CODERMON_OIDC_CONSENT_PROMPT", "true");
        env.putAll(extra);
        OidcSettings settings = OidcSettings.fromEnvironment(env, port).orElseThrow();
        TokenService tokenService = new TokenService(tokens.issuer(), Duration.ofHours(8), Duration.ofSeconds(60),
                store, Clock.systemUTC());
        app = ControlPlaneApp.create(config, new ApiAuthenticator(AdminKey.of(ApiFixture.ADMIN_KEY),
                tokens.verifier(), store), tokenService, workspaces, store,
                new SshKeyService(store, new WorkspaceSshFiles(tempDir.resolve("ssh")), Clock.systemUTC()),
                new ControlPlaneApp.People(settings, store.people(), store));
        app.start();
        recheck = new ProviderRecheck(settings, store.people(), tokenService, Clock.systemUTC());
        monitor = new WorkspaceMonitor(store, runtime, workspaces, new Reconciler(store, runtime, new HealthProbe()),
                socket -> true, PolicySettings.defaults().monitor(), Clock.systemUTC());
    }

    private String signIn(OidcBrowser browser, String login) throws Exception {
        URI back = browser.signInAtProvider(browser.startLogin(console), login);
        HttpResponse<String> r = browser.get(back);
        assertEquals(303, r.statusCode(), r.body());
        HttpResponse<String> session = browser.get(console.resolve("/api/session"));
        assertEquals(200, session.statusCode(), session.body());
        return ApiFixture.JSON.readTree(session.body()).get("csrf").asText();
    }

    private HttpResponse<String> console(OidcBrowser browser, String method, String path, String csrf, String json)
            throws Exception {
        return browser.send(HttpRequest.newBuilder(console.resolve(path)).header(ConsoleSessions.CSRF_HEADER, csrf)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)));
    }

    private String personalToken(OidcBrowser browser, String csrf) throws Exception {
        HttpResponse<String> r = console(browser, "POST", "/api/me/tokens", csrf, "{\"name\":\"cli\"}");
        assertEquals(201, r.statusCode(), r.body());
        return ApiFixture.JSON.readTree(r.body()).get("token").asText();
    }

    private int bearer(String token) throws Exception {
        return new OidcBrowser().send(HttpRequest.newBuilder(console.resolve("/api/me"))
                .header("Authorization", "Bearer " + token).GET()).statusCode();
    }

    @Test
    void a_person_disabled_at_the_provider_loses_tokens_and_console_session_within_the_interval() throws Exception {
        startControlPlane(provider.issuer, Map.of(), Duration.ofSeconds(1));
        OidcBrowser bob = new OidcBrowser();
        String csrf = signIn(bob, "bob");
        assertTrue(store.people().refreshTokens().containsKey("bob"), "sign-in kept the provider's refresh token");
        String token = personalToken(bob, csrf);
        assertEquals(200, bearer(token));
        monitor.every(Duration.ofSeconds(1), "re-check", ClusterJobs.PROVIDER_RECHECK, recheck::run);
        Thread.sleep(2_500);
        assertEquals(200, bearer(token), "a person still enabled at the provider keeps access across re-checks");
        assertEquals(200, console(bob, "GET", "/api/me", csrf, null).statusCode());

        provider.disable("bob", true);
        long disabledAt = System.nanoTime();
        int status = 200;
        while (status == 200 && System.nanoTime() - disabledAt < 10_000_000_000L) {
            Thread.sleep(100);
            status = bearer(token);
        }
        long tookMs = (System.nanoTime() - disabledAt) / 1_000_000;
        assertEquals(401, status, "the personal token is refused after the re-check");
        assertTrue(tookMs < 4_000, "refused " + tookMs + " ms after the provider disabled him (interval 1s)");
        assertEquals(401, console(bob, "GET", "/api/me", csrf, null).statusCode(), "the console session ended");
        assertEquals(401, bob.get(console.resolve("/api/session")).statusCode());
        assertTrue(store.people().findPerson("bob").orElseThrow().disabled());
        assertTrue(store.revocations().containsKey("bob"), "the proxy reads the revocation and closes tunnels");
        assertFalse(store.people().refreshTokens().containsKey("bob"), "his refresh token is forgotten");
    }

    @Test
    void a_person_whose_claims_no_longer_pass_the_policy_is_disabled_and_others_are_kept() throws Exception {
        startControlPlane(provider.issuer, Map.of(), Duration.ofMinutes(5));
        provider.user("{\"login\":\"frank\",\"email\":\"frank@example.org\",\"email_verified\":true,"
                + "\"preferred_username\":\"frank\",\"groups\":[\"devs\"]}");
        OidcBrowser frank = new OidcBrowser();
        String csrf = signIn(frank, "frank");
        String token = personalToken(frank, csrf);
        OidcBrowser gina = new OidcBrowser();
        String ginaCsrf = signIn(gina, "gina");
        String ginaToken = personalToken(gina, ginaCsrf);
        provider.user("{\"login\":\"frank\",\"email\":\"frank@example.org\",\"email_verified\":true,"
                + "\"preferred_username\":\"frank\",\"groups\":[\"sales\"]}");
        ProviderRecheck.Round round = recheck.run();
        assertEquals(new ProviderRecheck.Round(2, 1, 0), round);
        Thread.sleep(1_100);
        assertEquals(401, bearer(token));
        assertEquals(401, console(frank, "GET", "/api/me", csrf, null).statusCode());
        assertTrue(store.people().findPerson("frank").orElseThrow().disabled());
        assertEquals(200, bearer(ginaToken), "gina still passes");
        assertEquals(200, console(gina, "GET", "/api/me", ginaCsrf, null).statusCode());
        assertEquals(new ProviderRecheck.Round(1, 0, 0), recheck.run(), "a disabled person is not re-checked");
    }

    @Test
    void a_slow_provider_disables_nobody_and_the_next_round_still_catches_a_disabled_person() throws Exception {
        startControlPlane(provider.issuer, Map.of(), Duration.ofMinutes(5));
        OidcBrowser bob = new OidcBrowser();
        String csrf = signIn(bob, "bob");
        String token = personalToken(bob, csrf);
        provider.disable("bob", true);
        provider.mode("slow");
        long started = System.nanoTime();
        assertEquals(new ProviderRecheck.Round(0, 0, 1), recheck.run());
        assertTrue((System.nanoTime() - started) / 1_000_000 < 8_000, "the round waits one timeout, not a hang");
        assertEquals(200, bearer(token), "a slow provider disables nobody");
        assertFalse(store.people().findPerson("bob").orElseThrow().disabled());
        provider.mode("normal");
        assertEquals(new ProviderRecheck.Round(1, 1, 0), recheck.run(), "the next round asks again");
    }

    @Test
    void a_provider_that_is_down_disables_nobody() throws Exception {
        Path own = tempDir.resolve("own-provider");
        java.nio.file.Files.createDirectories(own);
        TestOidcProvider down = TestOidcProvider.start(own, console.resolve("/login/callback"), USERS);
        try {
            startControlPlane(down.issuer, Map.of(), Duration.ofMinutes(5));
            OidcBrowser bob = new OidcBrowser();
            String csrf = signIn(bob, "bob");
            OidcBrowser gina = new OidcBrowser();
            signIn(gina, "gina");
            String token = personalToken(bob, csrf);
            assertEquals(new ProviderRecheck.Round(2, 0, 0), recheck.run(), "both pass while it is up");
        } finally {
            down.close();
        }
        assertEquals(new ProviderRecheck.Round(0, 0, 2), recheck.run(), "the round stops at the first failure");
        assertFalse(store.people().findPerson("bob").orElseThrow().disabled());
        assertFalse(store.people().findPerson("gina").orElseThrow().disabled());
        assertEquals(2, store.people().refreshTokens().size(), "their refresh tokens are kept for the next round");
    }

    @Test
    void without_offline_access_no_refresh_token_is_kept_and_sign_out_forgets_one() throws Exception {
        startControlPlane(provider.issuer, Map.of("CODERMON_OIDC_OFFLINE_ACCESS", "off"), Duration.ofMinutes(5));
        OidcBrowser bob = new OidcBrowser();
        signIn(bob, "bob");
        assertEquals(Map.of(), store.people().refreshTokens(), "no offline_access, no refresh token");
        assertEquals(new ProviderRecheck.Round(0, 0, 0), recheck.run(), "checked at the next sign-in only");
        app.stop();
        monitor.close();
        store.close();
        startControlPlane(provider.issuer, Map.of(), Duration.ofMinutes(5));
        OidcBrowser again = new OidcBrowser();
        String csrf = signIn(again, "bob");
        assertNotNull(store.people().refreshTokens().get("bob"));
        assertEquals(200, console(again, "POST", "/api/session/logout", csrf, null).statusCode());
        assertEquals(Map.of(), store.people().refreshTokens(), "signing out forgets the refresh token");
    }
}
