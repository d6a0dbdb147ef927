package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * SSH into Docker workspaces on a cluster's nodes (docs/ssh.md, docs/scale-out.md): a 2-node cluster of
 * scripts/cluster whose node agents run workspaces as containers of this machine's Docker daemon. Alice's
 * second workspace lands on n2; she registers her key and reads her known_hosts and ssh_config through n1's
 * API, and the real OpenSSH client (corkscrew through n1's proxy, then n2's relay) runs a command in it:
 * the key reached n2 from the store, and the host key n2 made is the one n1's API hands out. A key
 * registered later works there within a few heartbeats; bob's key does not open alice's workspace. An app
 * alice starts there over SSH is listed by n1's API (n2's agent looks inside) and served by n1's proxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClusterSshIT {

    private final LocalCluster cluster = new LocalCluster("docker");
    private Path dir;
    private String alice;
    private final List<String> created = new ArrayList<>();
    private boolean failed;

    @BeforeAll
    void up() throws IOException {
        try {
            System.out.println(cluster.up(2, Duration.ofMinutes(3)));
            alice = cluster.token("alice");
            dir = Codermon.shortTempDir("cluster-ssh");
        } catch (RuntimeException | AssertionError e) {
            failed = true;
            throw e;
        }
    }

    @AfterAll
    void down() {
        try {
            if (failed) {
                cluster.keepLogs();
            }
            // Deleting through the API removes each container on its node; the cluster's own down leaves the
            // workspaces' containers and volumes of a docker cluster as they are.
            for (String id : created) {
                cluster.call(1, "DELETE", "/api/workspaces/" + id, alice, null);
            }
        } finally {
            System.out.println(cluster.script(Duration.ofMinutes(2), "down"));
            Codermon.deleteTree(LocalCluster.DIR);
            if (dir != null) {
                Codermon.deleteTree(dir);
            }
        }
    }

    private LocalCluster.Reply create(String name) {
        LocalCluster.Reply r = cluster.call(1, "POST", "/api/workspaces", alice, Map.of("name", name));
        assertTrue(r.status() == 201 || r.status() == 200, "create " + name + ": " + r.status() + " " + r.body());
        created.add(r.field("id"));
        return r;
    }

    private Path keyPair(String name) {
        return OpenSsh.keyPair(dir, name);
    }

    private void register(String token, Path key, int node) throws IOException {
        String pub = Files.readString(Path.of(key + ".pub")).strip();
        LocalCluster.Reply r = cluster.call(node, "POST", "/api/ssh-keys", token, Map.of("publicKey", pub));
        assertEquals(201, r.status(), "registering " + key.getFileName() + ": " + r.body());
    }

    private Commands.Result ssh(Path config, Path key, String host, String... command) {
        return OpenSsh.run(config, key, host, command);
    }

    @Test
    void alice_reaches_her_workspace_on_n2_over_ssh_through_n1s_proxy_and_api() throws Exception {
        LocalCluster.Reply first = create("first");
        LocalCluster.Reply second = create("second");
        assertEquals("n1", first.field("node"), first.body());
        assertEquals("n2", second.field("node"), "the second workspace goes to the node with room: " + second.body());
        String host = second.field("hostname");

        Path key = keyPair("alice_ed25519");
        register(alice, key, 2);
        // What docs/ssh.md tells a user to set up, from n1's API: ssh_config (n1's proxy) and known_hosts.
        LocalCluster.Reply config = cluster.call(1, "GET", "/api/ssh-config", alice, null);
        assertEquals(200, config.status(), config.body());
        LocalCluster.Reply known = cluster.call(1, "GET", "/api/ssh-known-hosts", alice, null);
        assertEquals(200, known.status(), known.body());
        assertTrue(known.body().contains(host + " ssh-ed25519 "), "n1's API has no host key line of the workspace on"
                + " n2: " + known.body());
        LocalCluster.Reply one = cluster.call(1, "GET", "/api/workspaces/" + second.field("id") + "/known-hosts", alice, null);
        assertEquals(200, one.status(), one.body());
        assertTrue(known.body().contains(one.body().strip()), "the list and the workspace's own line differ");
        Path home = Files.createDirectories(dir.resolve("alice"));
        Path auth = home.resolve("proxy-auth");
        Files.writeString(auth, "alice:" + alice + "\n");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(home.resolve("known_hosts"), known.body());
        Path file = home.resolve("ssh_config");
        Files.writeString(file, config.body().replace("~/.codermon/", home + "/"));
        assertTrue(config.body().contains("corkscrew " + LocalCluster.addr(1) + " "), config.body());

        // Its node's relay is the only way to it from n1's proxy; StrictHostKeyChecking is on.
        Commands.Result onN2 = Await.until("ssh into the workspace on n2", Duration.ofSeconds(60),
                () -> ssh(file, key, host, "whoami"), Commands.Result::ok);
        assertEquals("coder", onN2.out().strip(), onN2.out());
        // n1's agent writes the key (registered through n2's API) at its next heartbeat.
        Commands.Result onN1 = Await.until("ssh into the workspace on n1", Duration.ofSeconds(30),
                () -> ssh(file, key, first.field("hostname"), "whoami"), Commands.Result::ok);
        assertEquals("coder", onN1.out().strip(), onN1.out());

        // A key registered later, through either API, reaches n2 with its agent's next heartbeats.
        Path later = keyPair("alice_later");
        register(alice, later, 1);
        Commands.Result withLater = Await.until("the later key on n2", Duration.ofSeconds(30),
                () -> ssh(file, later, host, "whoami"), Commands.Result::ok);
        assertEquals("coder", withLater.out().strip());

        // Bob's key, registered for bob, does not open alice's workspace (through alice's own proxy login).
        String bob = cluster.token("bob");
        Path bobKey = keyPair("bob_ed25519");
        register(bob, bobKey, 2);
        Commands.Result asBob = ssh(file, bobKey, host, "whoami");
        assertTrue(!asBob.ok() && asBob.out().contains("Permission denied"), asBob.out());

        // An app alice starts over SSH in her workspace on n2: n1's API lists its port (only n2's agent can
        // look inside that container, docs/apps.md), and n1's proxy serves it through n2's relay.
        Commands.Result app = ssh(file, key, host, "setsid nohup /usr/local/bin/node -e \"require('http')"
                + ".createServer((q, s) => s.end('app on n2')).listen(3000, '127.0.0.1')\" >/dev/null 2>&1 </dev/null &");
        assertTrue(app.ok(), "starting the app over ssh: " + app.out());
        String id = second.field("id");
        LocalCluster.Reply apps = Await.until("port 3000 among the apps of alice's workspace on n2",
                Duration.ofSeconds(30), () -> cluster.call(1, "GET", "/api/workspaces/" + id + "/apps", alice, null),
                r -> r.status() == 200 && r.body().contains("\"port\":3000"));
        assertTrue(apps.body().contains("\"url\":\"http://3000." + host + "/\""), apps.body());
        assertEquals(404, cluster.call(1, "GET", "/api/workspaces/" + id + "/apps", bob, null).status(),
                "bob cannot list alice's apps");
        ProxyClient.Reply page = LocalCluster.proxy(1, alice).get("http://3000." + host + "/");
        assertEquals(200, page.status(), page.body());
        assertEquals("app on n2", page.body());
        assertEquals(403, LocalCluster.proxy(1, bob).status("http://3000." + host + "/"),
                "bob's credentials do not reach alice's app");
    }
}
