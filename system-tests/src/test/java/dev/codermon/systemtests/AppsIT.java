package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.DockerNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Workspace apps end to end (what scripts/apps-check checked): real Flask, FastAPI (WebSocket) and Vite
 * apps reached through the proxy at {@code <port>.<workspace host>}, first in the local-process runtime
 * for alice alone (apps on this machine's loopback, which is inside such a workspace), then an app inside
 * a Docker workspace's container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class AppsIT {

    private static final Path APPS = Tools.root().resolve("scripts/lib/apps");
    /** HTTP/1.1 only: an h2c upgrade header would look like a WebSocket to Vite's dev server. */
    private static final java.net.http.HttpClient DIRECT = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Codermon codermon;
    private Api api;
    private Api.Workspace alice;
    private String bobToken;
    private String host;
    private ProxyClient asAlice;
    private ProxyClient asBob;
    private String python;
    private final int flaskPort = Host.freePort();
    private final int fastapiPort = Host.freePort();
    private final int vitePort = Host.freePort();
    private final int closedPort = Host.freePort();
    private Process flask;

    @BeforeAll
    void start() {
        python = Tools.appPython();
        Tools.vite();
        Tools.playwright();
        codermon = Codermon.create("AppsIT").env("CODERMON_RUNTIME", "process").env("CODERMON_PROCESS_USER", "alice");
        codermon.start();
        api = new Api(codermon);
        alice = api.workspaceFor("alice");
        host = alice.host();
        asAlice = ProxyClient.basic(codermon, "alice", alice.token());
    }

    @AfterAll
    void stop() {
        if (codermon != null) {
            codermon.close();
        }
    }


    /** GET http://127.0.0.1:PORT/PATH straight to the app, not through the proxy. */
    private static String direct(int port, String path) {
        try {
            java.net.http.HttpResponse<String> r = DIRECT.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return "error: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Process startFlask() {
        return codermon.startApp("flask.log", null, List.of(python, APPS.resolve("flask_app.py").toString(),
                Integer.toString(flaskPort)));
    }

    private static void awaitApp(String what, Process app, int port) {
        Await.condition(what + " answers on 127.0.0.1:" + port, Duration.ofSeconds(20), () -> {
            if (!app.isAlive()) {
                throw new Await.Abort(what + " exited with " + app.exitValue());
            }
            return !direct(port, "/").startsWith("error: ");
        });
    }

    @Test
    @Order(1)
    void the_local_process_runtime_serves_alice_alone() {
        Api.Reply refused = api.create(api.token("bob", "8h"), "main");
        assertEquals(409, refused.status(), "orchestrator bob is refused: " + refused.body());
        assertEquals("single_user_runtime", refused.field("error"), "orchestrator bob is refused: single_user_runtime");
        System.out.println("reason given to bob: " + refused.body());
        bobToken = api.token("bob", "1h");
        asBob = ProxyClient.basic(codermon, "bob", bobToken);
    }

    @Test
    @Order(2)
    void alices_code_server_listens_on_a_unix_socket_only() {
        WorkspaceRecord r = codermon.record("alice").orElseThrow();
        assertEquals("", Host.workspaceTcpListeners(r.runtimeRef()), "alice's code-server has no TCP listener on this host");
        assertTrue(r.upstreamSocket() != null && Files.exists(Path.of(r.upstreamSocket())),
                "alice's code-server listens on a unix socket: " + r.upstreamSocket());
        assertEquals("closed", Host.socketClosedToOthers(r.upstreamSocket()),
                "another local user (nobody) cannot open code-server's socket");
    }

    @Test
    @Order(3)
    void flask_is_reached_at_its_app_host_by_its_owner_only() {
        flask = startFlask();
        awaitApp("Flask", flask, flaskPort);
        String app = flaskPort + "." + host;
        String flaskUrl = "http://" + app + "/";
        String expected = "flask ok host=" + app + "\n";
        assertEquals(expected, asAlice.body(flaskUrl), "Flask through the proxy at its app host, Host preserved");
        assertEquals(expected, ProxyClient.basic(codermon, "alice", alice.token()).trusting(ca()).body("https://" + app + "/"),
                "Flask over HTTPS (CONNECT :443, local CA)");
        String hits = direct(flaskPort, "/hits");
        assertEquals(403, asBob.status(flaskUrl), "bob on alice's Flask");
        assertEquals("no running workspace of yours at this host", asBob.body(flaskUrl).strip(),
                "bob is told what he is told for the workspace itself");
        assertEquals(hits, direct(flaskPort, "/hits"), "bob's request never reached Flask");
        assertEquals(407, ProxyClient.anonymous(codermon).status(flaskUrl), "no credentials on an app host");
    }

    @Test
    @Order(4)
    void ports_are_ordinary_unless_denied_and_the_path_proxy_is_closed() {
        // code-server has no TCP port (unix socket): 8080 is an ordinary app port, here with nothing on it.
        assertEquals(502, asAlice.status("http://8080." + host + "/"), "port 8080 is an ordinary app port (nothing listens)");
        ProxyClient.Reply ssh = asAlice.get("http://22." + host + "/");
        assertEquals(403, ssh.status(), "port 22 (deny list)");
        System.out.println("reason for 22: " + ssh.body());
        assertEquals(403, asAlice.status("http://0" + flaskPort + "." + host + "/"), "a port with a leading zero is no app host");
        // code-server's own path proxy would serve an app's pages on the IDE's origin: closed, however spelled.
        String hits = direct(flaskPort, "/hits");
        ProxyClient.Reply pathProxy = asAlice.get("http://" + host + "/proxy/" + flaskPort + "/");
        assertEquals(403, pathProxy.status(), "code-server's path proxy to Flask");
        assertEquals("code-server's path proxy is closed: open the app at http://<port>.<workspace host>/ instead",
                pathProxy.body().strip(), "the refusal names the app host instead");
        String port = Integer.toString(flaskPort);
        assertEquals(403, asAlice.status("http://" + host + "/AbsProxy/%3" + port.charAt(0) + port.substring(1) + "/"),
                "path proxy, another spelling (/AbsProxy/, percent-encoded)");
        assertEquals(hits, direct(flaskPort, "/hits"), "Flask never saw a path-proxy request");
    }

    @Test
    @Order(5)
    void a_port_with_nothing_listening_answers_502_after_the_retries() {
        long started = System.nanoTime();
        ProxyClient.Reply page = asAlice.get("http://" + closedPort + "." + host + "/");
        long took = (System.nanoTime() - started) / 1_000_000;
        assertEquals(502, page.status(), "nothing listening");
        assertTrue(page.body().contains("nothing is listening on port " + closedPort
                + " in your workspace yet; it may still be starting"), "the 502 page says nothing listens on that port yet: " + page.body());
        assertTrue(took >= 4000, "the proxy retried for about 5 s before the 502 (took " + took + " ms)");
        assertEquals(502, asAlice.post("http://" + closedPort + "." + host + "/", "x").status(),
                "a POST to a closed port gets the 502 page at once");
    }

    @Test
    @Order(6)
    void a_request_while_flask_restarts_is_waited_for() {
        // An app restarting on save: the request made while it is down is answered once it is back.
        Processes.stopTree(flask.toHandle(), Duration.ofSeconds(10));
        CompletableFuture<Process> restarted = CompletableFuture.supplyAsync(() -> {
            Await.pause(Duration.ofSeconds(2));
            return startFlask();
        });
        assertEquals(200, asAlice.status("http://" + flaskPort + "." + host + "/"), "a request while Flask restarts is waited for");
        flask = restarted.join();
    }

    @Test
    @Order(7)
    void a_sign_in_link_opens_the_app_host_without_proxy_credentials() {
        String app = flaskPort + "." + host;
        String link = api.call("POST", "/api/workspaces/" + alice.id() + "/open?port=" + flaskPort, alice.token(), null)
                .field("httpsUrl");
        // curl sends what a browser sends for a link the person opened themselves over https (Sec-Fetch-Site:
        // none); without it the proxy cannot tell a tool from another page and asks first.
        ProxyClient browser = ProxyClient.anonymous(codermon).trusting(ca()).withCookies().followingRedirects();
        assertEquals("flask ok host=" + app + "\n", browser.get(link, "Sec-Fetch-Site", "none").body(),
                "a sign-in link for the app host, without proxy credentials, opens it");
        String second = api.call("POST", "/api/workspaces/" + alice.id() + "/open?port=" + flaskPort, alice.token(), null)
                .field("httpsUrl");
        String page = ProxyClient.anonymous(codermon).trusting(ca()).body(second);
        assertTrue(page.contains("Sign in to a Codermon workspace?"),
                "a sign-in link opened with no sign of who opened it asks first (login CSRF): " + page);
    }

    @Test
    @Order(8)
    void fastapi_answers_json_and_a_websocket_echo_to_its_owner_only() {
        Process app = codermon.startApp("fastapi.log", null, List.of(python, "-m", "uvicorn", "fastapi_app:app",
                "--app-dir", APPS.toString(), "--host", "127.0.0.1", "--port", Integer.toString(fastapiPort)));
        awaitApp("FastAPI", app, fastapiPort);
        String fastapiHost = fastapiPort + "." + host;
        JsonNode json = new Api.Reply(200, asAlice.body("http://" + fastapiHost + "/")).json();
        assertEquals(fastapiHost, json.path("host").asText(), "FastAPI JSON through the proxy, Host preserved");
        assertEquals("echo: hello", WebSocketProbe.echo(codermon.proxyPort, fastapiHost, "/ws", "alice", alice.token(),
                "http://" + fastapiHost), "FastAPI WebSocket echo inside CONNECT :80");
        String bobs = WebSocketProbe.echo(codermon.proxyPort, fastapiHost, "/ws", "bob", bobToken, "http://" + fastapiHost);
        assertEquals("403", bobs.replaceFirst("^CONNECT ", ""), "bob's WebSocket to alice's FastAPI");
        assertEquals("403", WebSocketProbe.echo(codermon.proxyPort, fastapiHost, "/ws", "alice", alice.token(), "http://" + host),
                "a WebSocket from the workspace host's origin (not the app's)");
        assertEquals(403, asBob.status("http://" + fastapiHost + "/"), "bob on alice's FastAPI");
    }

    @Test
    @Order(9)
    void vite_hot_reload_works_in_chromium() throws IOException {
        Path project = codermon.home().resolve("vite-project");
        copyTree(APPS.resolve("vite"), project);
        Process vite = codermon.startApp("vite.log", project, List.of("node", Tools.vite().toString(), "--host",
                "127.0.0.1", "--port", Integer.toString(vitePort), "--strictPort"));
        awaitApp("Vite", vite, vitePort);
        Path shot = Chromium.shot("AppsIT", "vite.png");
        Commands.Result r = Chromium.run(Duration.ofSeconds(180), "vite_check.cjs", "http://" + vitePort + "." + host + "/",
                "http://localhost:" + codermon.proxyPort, "alice", alice.token(), project.resolve("main.js").toString(),
                shot.toString());
        assertEquals(0, r.exit(), "Vite in Chromium: page, hot-reload WebSocket and a live edit (screenshot: " + shot + "):\n"
                + r.out());
        assertEquals(403, asBob.status("http://" + vitePort + "." + host + "/"), "bob on alice's Vite");
    }

    @Test
    @Order(10)
    void apps_are_listed_to_their_owner_only() {
        Api.Reply apps = api.call("GET", "/api/workspaces/" + alice.id() + "/apps", alice.token(), null);
        assertTrue(apps.json().isArray(), "GET /api/workspaces/{id}/apps answers a JSON list: " + apps.body());
        assertEquals(404, api.call("GET", "/api/workspaces/" + alice.id() + "/apps", bobToken, null).status(),
                "bob cannot list alice's apps");
    }

    @Test
    @Order(11)
    void an_app_inside_a_docker_workspace_is_reached_listed_and_not_published() {
        // A workspace belongs to the runtime that started it: delete the local one (which stops its
        // code-server) before the control plane comes back with the Docker runtime.
        api.call("DELETE", "/api/workspaces/" + alice.id(), alice.token(), null);
        codermon.stop();
        codermon.env("CODERMON_RUNTIME", "docker");
        codermon.start();
        Api.Workspace carol = api.workspaceFor("carol");
        String chost = carol.host();
        String container = DockerNames.containerName(carol.id());
        Commands.Result exec = Docker.shared().run("exec", "-d", container, "node", "-e",
                "require('http').createServer((q, r) => r.end('node in container host=' + q.headers.host + '\\n'))"
                        + ".listen(3000, '127.0.0.1')");
        assertEquals(0, exec.exit(), "docker exec of the app: " + exec.out());
        ProxyClient asCarol = ProxyClient.basic(codermon, "carol", carol.token());
        String url = "http://3000." + chost + "/";
        Await.equal("the app in carol's container answers through the proxy", Duration.ofSeconds(10), 200,
                () -> asCarol.status(url));
        assertEquals("node in container host=3000." + chost + "\n", asCarol.body(url),
                "an app inside the container through the proxy, Host preserved");
        List<String> listed = new ArrayList<>();
        for (JsonNode a : api.call("GET", "/api/workspaces/" + carol.id() + "/apps", carol.token(), null).json()) {
            listed.add(a.path("port").asText() + " " + a.path("url").asText() + " " + a.path("httpsUrl").asText());
        }
        assertEquals(List.of("3000 http://3000." + chost + "/ https://3000." + chost + "/"), listed,
                "GET /api/workspaces/{id}/apps lists it with its URLs");
        assertEquals(502, asCarol.status("http://8080." + chost + "/"), "8080 in the container is an ordinary app port (nothing listens)");
        assertEquals(403, asBob.status(url), "bob on carol's container app");
        assertEquals("", Host.workspaceTcpListeners(container), "the container publishes no port (code-server is on its unix socket)");
    }

    private Path ca() {
        return codermon.home().resolve("ca/ca.crt");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
