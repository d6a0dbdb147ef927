package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.DockerNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * SSH into Docker workspaces through the real proxy with the real OpenSSH client (docs/ssh.md): keys
 * registered through the API, the {@code ~/.ssh/config} block of {@code GET /api/ssh-config} (corkscrew
 * reading {@code user:token} from a file) and the host keys of {@code GET /api/ssh-known-hosts}. Remote
 * commands, scp both ways, {@code -L} and {@code -D} to an app inside the workspace; another user's key or
 * token, a wrong host key, bad CONNECTs (nothing reaches the SSH server), and revocation closing a live
 * session. The steps run in order on one instance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SshIT {

    private static final Duration SSH_TIMEOUT = Duration.ofSeconds(60);
    private static final int APP_PORT = 8123;

    private Codermon codermon;
    private Api api;
    private Api.Workspace alice;
    private Api.Workspace bob;
    private Path dir;
    private Path aliceKey;
    private Path bobKey;
    /** The ssh_config from the API, with ~/.codermon pointing into this test's directory. */
    private Path aliceConfig;
    private Path bobConfig;
    private final List<Process> background = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        codermon = Codermon.create("SshIT");
        codermon.start();
        api = new Api(codermon);
        alice = api.workspaceFor("alice");
        bob = api.workspaceFor("bob");
        dir = Codermon.shortTempDir("ssh-it");
        aliceKey = keyPair("alice");
        bobKey = keyPair("bob");
        register(alice, aliceKey);
        register(bob, bobKey);
        aliceConfig = clientConfig(alice, alice.token());
        bobConfig = clientConfig(bob, bob.token());
    }

    @AfterAll
    void stop() {
        background.forEach(p -> Processes.stopTree(p.toHandle(), Duration.ofSeconds(2)));
        if (codermon != null) {
            codermon.close();
        }
        if (dir != null) {
            Codermon.deleteTree(dir);
        }
    }

    private Path keyPair(String user) {
        return OpenSsh.keyPair(dir, user + "_ed25519");
    }

    private void register(Api.Workspace w, Path key) throws IOException {
        String pub = Files.readString(Path.of(key + ".pub")).strip();
        Api.Reply r = api.call("POST", "/api/ssh-keys", w.token(), Map.of("publicKey", pub));
        assertEquals(201, r.status(), "registering " + w.user() + "'s key: " + r.body());
    }

    /**
     * Writes what the docs tell a user to set up, in a directory of its own: the API's ssh_config block
     * (its ~/.codermon paths moved here), the proxy-auth file (user:token, mode 600) and known_hosts.
     */
    private Path clientConfig(Api.Workspace w, String token) throws IOException {
        Path home = Files.createDirectories(dir.resolve(w.user() + "-" + Integer.toHexString(token.hashCode())));
        Api.Reply config = api.call("GET", "/api/ssh-config", w.token(), null);
        assertEquals(200, config.status(), config.body());
        Api.Reply known = api.call("GET", "/api/ssh-known-hosts", w.token(), null);
        assertEquals(200, known.status(), known.body());
        Path auth = home.resolve("proxy-auth");
        Files.writeString(auth, w.user() + ":" + token + "\n");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(home.resolve("known_hosts"), known.body());
        Path file = home.resolve("ssh_config");
        Files.writeString(file, config.body().replace("~/.codermon/", home + "/"));
        return file;
    }

    private Commands.Result ssh(Path config, Path key, String host, String... command) {
        return OpenSsh.run(config, key, host, command);
    }

    private Process sshInBackground(String... args) throws IOException {
        List<String> c = new ArrayList<>(List.of("ssh", "-F", aliceConfig.toString(), "-i", aliceKey.toString(),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes"));
        c.addAll(List.of(args));
        Process p = new ProcessBuilder(c).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ssh-" + background.size() + ".log").toFile()).start();
        background.add(p);
        return p;
    }

    private String sshdLog(Api.Workspace w) {
        return Docker.shared().run("logs", DockerNames.containerName(w.id())).out();
    }

    @Test
    @Order(1)
    void a_remote_command_runs_as_the_workspace_user() {
        Commands.Result r = ssh(aliceConfig, aliceKey, alice.host(), "echo hello-from; id -un; hostname");
        assertEquals(0, r.exit(), r.out() + codermon.tails());
        assertTrue(r.out().contains("hello-from\ncoder\nmain\n"), r.out());
    }

    @Test
    @Order(2)
    void scp_copies_both_ways() throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(17).nextBytes(data);
        Path up = dir.resolve("up.bin");
        Files.write(up, data);
        List<String> base = List.of("scp", "-F", aliceConfig.toString(), "-i", aliceKey.toString(),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes");
        List<String> put = new ArrayList<>(base);
        put.addAll(List.of(up.toString(), alice.host() + ":/home/coder/up.bin"));
        Commands.Result r = Commands.run(SSH_TIMEOUT, Map.of(), put);
        assertEquals(0, r.exit(), "scp to the workspace: " + r.out());
        Commands.Result sum = ssh(aliceConfig, aliceKey, alice.host(), "sha256sum /home/coder/up.bin");
        Commands.Result local = Commands.run(Commands.DEFAULT_TIMEOUT, "sha256sum", up.toString());
        assertEquals(local.out().split(" ")[0], sum.out().split(" ")[0], sum.out());
        Path down = dir.resolve("down.bin");
        List<String> get = new ArrayList<>(base);
        get.addAll(List.of(alice.host() + ":/home/coder/up.bin", down.toString()));
        r = Commands.run(SSH_TIMEOUT, Map.of(), get);
        assertEquals(0, r.exit(), "scp from the workspace: " + r.out());
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(down)), "the file came back unchanged");
    }

    @Test
    @Order(3)
    void local_and_dynamic_forwarding_reach_an_app_inside_the_workspace() throws Exception {
        Commands.Result app = ssh(aliceConfig, aliceKey, alice.host(), "nohup node -e \"require('http')"
                + ".createServer((q, s) => s.end('app-ok ' + q.url)).listen(" + APP_PORT + ", '127.0.0.1')\""
                + " >/dev/null 2>&1 & sleep 1; echo started");
        assertEquals(0, app.exit(), app.out());
        int local = Host.freePort();
        sshInBackground("-N", "-L", "127.0.0.1:" + local + ":127.0.0.1:" + APP_PORT, alice.host());
        String viaL = Await.until("the app through ssh -L", Duration.ofSeconds(30),
                () -> get(new Socket(), new InetSocketAddress("127.0.0.1", local), "/via-L"), s -> s.contains("app-ok"));
        assertTrue(viaL.contains("app-ok /via-L"), viaL);

        int socks = Host.freePort();
        sshInBackground("-N", "-D", "127.0.0.1:" + socks, alice.host());
        String viaD = Await.until("the app through ssh -D", Duration.ofSeconds(30),
                () -> get(new Socket(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", socks))),
                        InetSocketAddress.createUnresolved("localhost", APP_PORT), "/via-D"),
                s -> s.contains("app-ok"));
        assertTrue(viaD.contains("app-ok /via-D"), viaD);
    }

    /** Sends GET path over the socket to the address; "" if it cannot connect yet. */
    private static String get(Socket socket, InetSocketAddress address, String path) {
        try (socket) {
            socket.connect(address, 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    @Order(4)
    void bobs_key_or_bobs_token_do_not_open_alices_workspace() throws IOException {
        Commands.Result bobsKey = ssh(aliceConfig, bobKey, alice.host(), "id");
        assertEquals(255, bobsKey.exit(), bobsKey.out());
        assertTrue(bobsKey.out().contains("Permission denied (publickey)"), bobsKey.out());

        String before = sshdLog(alice);
        Commands.Result bobsToken = ssh(bobConfig, bobKey, alice.host(), "id");
        assertEquals(255, bobsToken.exit(), bobsToken.out());
        assertFalse(bobsToken.out().contains("uid="), bobsToken.out());
        String answer = rawConnect(alice.host() + ":22", "Basic " + java.util.Base64.getEncoder().encodeToString(
                ("bob:" + bob.token()).getBytes(StandardCharsets.UTF_8)));
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        assertTrue(answer.contains("no running workspace of yours at this host"), answer);
        assertEquals(before, sshdLog(alice), "nothing reached alice's SSH server");
        assertTrue(before.contains("Failed publickey for coder") || before.contains("Connection closed by authenticating"
                + " user coder"), "bob's key reached alice's SSH server and was refused there: " + before);

        // Bob's own workspace is his: his key and token work there.
        Commands.Result own = ssh(bobConfig, bobKey, bob.host(), "id -un");
        assertEquals(0, own.exit(), own.out());
    }

    @Test
    @Order(5)
    void a_wrong_host_key_is_refused_by_the_client() throws IOException {
        Path home = aliceConfig.getParent();
        Path known = home.resolve("known_hosts");
        String right = Files.readString(known);
        // Bob's workspace's key, claimed for alice's host: what a proxy leading elsewhere would present.
        String bobsLine = api.call("GET", "/api/workspaces/" + bob.id() + "/known-hosts", bob.token(), null).body();
        Files.writeString(known, alice.host() + bobsLine.substring(bobsLine.indexOf(' ')));
        try {
            Commands.Result r = ssh(aliceConfig, aliceKey, alice.host(), "id");
            assertEquals(255, r.exit(), r.out());
            assertTrue(r.out().contains("Host key verification failed"), r.out());
        } finally {
            Files.writeString(known, right);
        }
        assertEquals(0, ssh(aliceConfig, aliceKey, alice.host(), "true").exit());
    }

    @Test
    @Order(6)
    void bad_connects_are_refused_clearly_and_reach_no_ssh_server() {
        Api.Reply spare = api.create(alice.token(), "spare");
        assertTrue(spare.status() == 201 || spare.status() == 200, spare.body());
        String spareId = spare.field("id");
        Api.Reply stopped = api.call("POST", "/api/workspaces/" + spareId + "/stop", alice.token(), null);
        assertEquals(200, stopped.status(), stopped.body());

        String before = sshdLog(alice);
        String bearer = "Bearer " + alice.token();
        String foreign = rawConnect("example.com:22", bearer);
        assertTrue(foreign.startsWith("HTTP/1.1 403") && foreign.contains("workspace hosts only"), foreign);
        String app = rawConnect("8080." + alice.host() + ":22", bearer);
        assertTrue(app.startsWith("HTTP/1.1 403"), app);
        String stoppedOne = rawConnect("spare.alice." + Codermon.DOMAIN + ":22", bearer);
        assertTrue(stoppedOne.startsWith("HTTP/1.1 403") && stoppedOne.contains("no running workspace"), stoppedOne);
        String none = rawConnect(alice.host() + ":22", null);
        assertTrue(none.startsWith("HTTP/1.1 407") && none.contains("needs Proxy-Authorization"), none);
        String cookieOnly = rawConnectWith(alice.host() + ":22", "Cookie: codermon_session=x\r\n");
        assertTrue(cookieOnly.startsWith("HTTP/1.1 407"), cookieOnly);
        assertEquals(before, sshdLog(alice), "nothing reached alice's SSH server");
        // The check can see a connection: a real one shows in the SSH server's log.
        assertEquals(0, ssh(aliceConfig, aliceKey, alice.host(), "true").exit());
        String after = sshdLog(alice);
        assertTrue(after.length() > before.length() && after.contains("Accepted publickey for coder"), after);
    }

    @Test
    @Order(7)
    void the_access_log_and_metrics_show_ssh_tunnels() throws IOException {
        String log = Files.readString(codermon.home().resolve("logs/access.log"));
        // One line per SSH session, written when it closes, with the bytes relayed each way.
        assertTrue(log.lines().anyMatch(l -> l.contains("method=CONNECT") && l.contains(alice.host() + ":22")
                && l.contains("status=200") && l.contains("user=alice") && l.matches(".* in=[1-9][0-9]* out=[1-9].*")),
                log);
    }

    @Test
    @Order(8)
    void revoking_the_token_closes_a_live_ssh_session() throws Exception {
        Process session = sshInBackground(alice.host(), "echo live; sleep 120; echo not-cut");
        Path out = dir.resolve("ssh-" + (background.size() - 1) + ".log");
        Await.condition("the session runs", Duration.ofSeconds(30), () -> {
            try {
                return Files.readString(out).contains("live");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Api.Reply revoked = api.call("POST", "/api/tokens/revoke", codermon.adminKey(), Map.of("user", "alice"));
        assertEquals(200, revoked.status(), revoked.body());
        long start = System.nanoTime();
        assertTrue(session.waitFor(10, TimeUnit.SECONDS), "the session outlived the revocation");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 5000, "closed after " + millis + " ms");
        assertFalse(Files.readString(out).contains("not-cut"));
        Commands.Result again = ssh(aliceConfig, aliceKey, alice.host(), "id");
        assertEquals(255, again.exit(), "the revoked token opens nothing: " + again.out());
    }

    private String rawConnect(String authority, String proxyAuthorization) {
        return rawConnectWith(authority, proxyAuthorization == null ? ""
                : "Proxy-Authorization: " + proxyAuthorization + "\r\n");
    }

    /** Sends CONNECT authority with the extra header lines and an SSH version line; returns the answer. */
    private String rawConnectWith(String authority, String headers) {
        try (Socket s = new Socket("127.0.0.1", codermon.proxyPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n" + headers
                    + "\r\nSSH-2.0-OpenSSH_9.2 probe\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[4096];
            int n = s.getInputStream().read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
