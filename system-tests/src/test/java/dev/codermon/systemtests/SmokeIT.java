package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.WorkspaceRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The smoke test (what scripts/smoke checks with curl), against the real jars with Docker workspaces for
 * two users: access rules through the proxy, code-server on its unix socket only, WebSocket handshakes,
 * Chromium loading the workbench, the proxy serving without the control plane, admin stop and start, and a
 * deleted workspace refused. The steps run in order on one instance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class SmokeIT extends WithTwoUsers {

    private Codermon codermon;

    @BeforeAll
    void start() {
        codermon = Codermon.create("SmokeIT");
        startWithTwoUsers(codermon);
    }

    @AfterAll
    void stop() {
        if (codermon != null) {
            codermon.close();
        }
    }

    @Test
    @Order(1)
    void orchestrating_gives_each_user_a_workspace_once() {
        assertEquals("http://main.alice." + Codermon.DOMAIN + "/", alice.url(), "alice's url");
        assertNotNull(bob.id(), "bob's workspace");
        assertEquals(alice.id(), api.workspaceFor("alice").id(), "asking again for alice/main gives the same workspace");
    }

    @Test
    @Order(2)
    void the_owner_reaches_code_server_with_basic_or_bearer_credentials() {
        ProxyClient.Reply page = ProxyClient.basic(codermon, "alice", alice.token()).followingRedirects().get(alice.url());
        assertEquals(200, page.status(), "alice's credentials reach code-server" + codermon.tails());
        assertTrue(page.body().contains("vscode-workbench-web-configuration") || page.body().contains("code-server"),
                "the page is code-server's workbench");
        assertEquals(200, ProxyClient.bearer(codermon, alice.token()).status(alice.url() + "healthz"),
                "Bearer credentials reach code-server too");
    }

    @Test
    @Order(3)
    void missing_forged_and_foreign_credentials_are_refused() {
        ProxyClient.Reply none = ProxyClient.anonymous(codermon).get(alice.url());
        assertEquals(407, none.status(), "no credentials");
        assertEquals("Basic realm=\"codermon\"", none.headers().get("Proxy-Authenticate"), "407 carries the Basic challenge");
        String forged = alice.token().substring(0, alice.token().length() - 5) + "AAAAA";
        assertEquals(407, ProxyClient.basic(codermon, "alice", forged).status(alice.url()), "a forged token");
        ProxyClient.Reply bobs = asBob.get(alice.url());
        assertEquals(403, bobs.status(), "bob's credentials on alice's workspace");
        System.out.println("reason given to bob: " + bobs.body());
    }

    @Test
    @Order(4)
    void only_workspace_hosts_are_reachable() {
        ProxyClient.Reply foreign = asAlice.get("http://foreign.example/");
        assertEquals(403, foreign.status(), "a foreign host");
        System.out.println("reason given for a foreign host: " + foreign.body());
        assertEquals(403, asAlice.status("http://localhost:" + codermon.cpPort + "/healthz"),
                "the control plane through the proxy");
        assertEquals(403, asAlice.status("http://127.0.0.1:" + codermon.cpPort + "/healthz"), "an IP literal");
    }

    @Test
    @Order(5)
    void code_server_listens_on_a_unix_socket_only_root_can_open() {
        WorkspaceRecord record = codermon.record("alice").orElseThrow();
        String socket = record.upstreamSocket();
        assertEquals("", Host.workspaceTcpListeners(record.runtimeRef()), "alice's workspace has no TCP listener on this host");
        assertTrue(socket != null && Files.exists(Path.of(socket)), "alice's code-server listens on a unix socket: " + socket);
        assertEquals(200, Host.unixSocketStatus(socket, "/healthz"), "code-server answers on its socket (as root, like the proxy)");
        assertEquals("closed", Host.socketClosedToOthers(socket), "another local user (nobody) cannot open code-server's socket");
    }

    @Test
    @Order(6)
    void the_ide_reads_the_workspace_files_only() {
        assertEquals(200, asAlice.status(alice.url() + "vscode-remote-resource?path=/home/coder/project/README.md"),
                "alice's IDE reads her own README");
        for (String secret : List.of("admin.key", "signing-key.jwk", "ca/ca.key", "routes.db")) {
            assertEquals(404, asAlice.status(alice.url() + "vscode-remote-resource?path=" + codermon.home().resolve(secret)),
                    "alice's IDE cannot read $CODERMON_HOME/" + secret);
        }
        assertEquals(403, asAlice.status(alice.url() + "proxy/8080/"), "code-server's path proxy is closed on the IDE host");
    }

    @Test
    @Order(7)
    void websocket_handshakes_pass_for_the_owner_only() {
        String host = alice.host();
        assertEquals("101", WebSocketProbe.absolute(codermon.proxyPort, host, "alice", alice.token()),
                "WebSocket handshake (absolute-form) through the proxy");
        assertEquals("101", WebSocketProbe.connect(codermon.proxyPort, host, "alice", alice.token()),
                "WebSocket handshake inside CONNECT :80");
        // A credential-less CONNECT :80 is accepted (Chromium opens a signed-in page's WebSocket so), but the
        // tunnel grants nothing: the handshake inside, with no cookie and no credentials, is refused.
        assertEquals("403", WebSocketProbe.connect(codermon.proxyPort, host, "alice", ""),
                "CONNECT :80 without credentials grants nothing: the WebSocket inside");
        // Refused either at CONNECT or at the first request inside the tunnel; both answer 403.
        String bobs = WebSocketProbe.connect(codermon.proxyPort, host, "bob", bob.token());
        assertEquals("403", bobs.replaceFirst("^CONNECT ", ""), "bob's credentials tunnelling to alice's workspace");
    }

    @Test
    @Order(8)
    void chromium_loads_the_workbench() throws Exception {
        Path json = codermon.home().resolve("alice.json");
        new ObjectMapper().writeValue(json.toFile(), Map.of("url", alice.url(), "proxy", alice.proxy(),
                "proxyUsername", "alice", "proxyPassword", alice.token()));
        Path shot = Chromium.shot("SmokeIT", "workbench.png");
        Commands.Result r = Chromium.run(Duration.ofSeconds(240), "browser_check.cjs", json.toString(), shot.toString());
        assertEquals(0, r.exit(), "Chromium loads the workbench through the proxy (screenshot: " + shot + "):\n" + r.out());
    }

    @Test
    @Order(9)
    void the_proxy_serves_without_the_control_plane_which_adopts_the_workspace_again() {
        // The proxy never needs the control plane: kill -9 it and every request still gets through.
        codermon.killControlPlane();
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            codes.add(asAlice.status(alice.url() + "healthz"));
        }
        assertEquals(List.of(200, 200, 200, 200, 200, 200, 200, 200, 200, 200), codes,
                "with the control plane killed, the proxy still serves alice (10 requests)");
        codermon.startControlPlane();
        assertEquals("RUNNING", api.state(alice.id(), alice.token()), "a restarted control plane adopts the running workspace");
    }

    @Test
    @Order(10)
    void the_admin_stops_and_starts_any_users_workspace() {
        String admin = codermon.adminKey();
        assertEquals("STOPPED", api.call("POST", "/api/workspaces/" + bob.id() + "/stop", admin, null).field("state"),
                "the admin stops bob's workspace");
        Await.equal("bob's stopped workspace is refused by the proxy within 1.5 s", Duration.ofMillis(1500), 403,
                () -> asBob.status(bob.url()));
        assertEquals("RUNNING", api.call("POST", "/api/workspaces/" + bob.id() + "/start", admin, null).field("state"),
                "the admin starts it again");
        Await.equal("bob reaches his workspace again within 1.5 s", Duration.ofMillis(1500), 200,
                () -> asBob.status(bob.url() + "healthz"));
    }

    @Test
    @Order(11)
    void a_deleted_workspace_is_refused() {
        assertEquals(204, api.call("DELETE", "/api/workspaces/" + alice.id(), alice.token(), null).status(),
                "alice deletes her workspace");
        Await.equal("a deleted workspace is refused by the proxy within 2.5 s", Duration.ofMillis(2500), 403,
                () -> asAlice.status(alice.url()));
    }
}
