package dev.codermon.controlplane.runtime;

import dev.codermon.auth.DockerNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs two real workspaces (the locally built image, through {@link DockerRuntime}) on a workspace network
 * and firewall of the test's own (its own network name and bridge interface, so tests running beside it and
 * the host's {@code codermon-workspaces} are untouched), and tries, as uid 1000 inside workspace A (what A's
 * terminal can do), what the isolation must stop. Connections go only to containers on that network, to a
 * listener on its gateway address and to a network namespace the test makes; never anywhere else.
 */
class WorkspaceIsolationIT {

    private static final String IMAGE = Optional.ofNullable(System.getenv("CODERMON_IMAGE"))
            .filter(s -> !s.isBlank()).orElse("codermon/code-server:4.99.4");
    private static final String SUFFIX = HexFormat.of().formatHex(
            java.nio.ByteBuffer.allocate(4).putInt(ThreadLocalRandom.current().nextInt()).array());
    private static final String NETWORK = "cmit-" + SUFFIX;
    private static final String BRIDGE = "cmit" + SUFFIX;
    private static final int APP_PORT = 3000;
    /** Connects to H:P within 3 s and prints connected or failed:<why>; always exits 0. */
    private static final String CONNECT_JS = """
            const s = require('net').connect({host: process.env.H, port: +process.env.P});
            const t = setTimeout(() => { console.log('failed:timeout'); process.exit(0); }, 3000);
            s.on('connect', () => { clearTimeout(t); console.log('connected'); process.exit(0); });
            s.on('error', e => { clearTimeout(t); console.log('failed:' + e.code); process.exit(0); });
            """;
    /** Serves a line on 0.0.0.0:P for two minutes at most (a probe that hangs up early must not crash it). */
    private static final String SERVE_JS = """
            require('net').createServer(c => { c.on('error', () => {}); c.end('hello from B\\n'); })
                .listen(+process.env.P, '0.0.0.0');
            setTimeout(() => process.exit(0), 120000);
            """;

    @TempDir
    static Path home;
    private static DockerDaemon daemon;
    private static DockerClient docker;
    private static DockerRuntime runtime;
    private static WorkspaceFirewall firewall;
    private static String instance;
    private static String a;
    private static String b;

    @BeforeAll
    static void twoWorkspacesOnTheTestsOwnNetwork() throws Exception {
        String host = Optional.ofNullable(System.getenv("DOCKER_HOST")).filter(s -> !s.isBlank())
                .orElse("unix:///var/run/docker.sock");
        try {
            daemon = DockerDaemon.connect(host);
        } catch (IllegalStateException e) {
            fail("no Docker daemon: " + e.getMessage() + "; scripts/test installs docker.io and starts dockerd");
        }
        docker = daemon.client();
        if (!daemon.hasImage(IMAGE)) {
            fail("image " + IMAGE + " is missing; build it with scripts/build-image");
        }
        instance = DockerNames.instanceOf(home);
        firewall = new WorkspaceFirewall(BRIDGE, List.of(), new ProcessCommandRunner());
        runtime = DockerRuntime.create(DockerDaemon.connect(host), IMAGE, ContainerLimits.defaults(), home,
                WorkspaceSockets.open(home.resolve("sockets")),
                new HealthProbe(), Duration.ofSeconds(90),
                new WorkspaceNetwork(NETWORK, BRIDGE, WorkspaceEgress.PUBLIC), firewall);
        a = runtime.start(spec("alice")).runtimeRef();
        b = runtime.start(spec("bob")).runtimeRef();
    }

    @AfterAll
    static void removeEverythingThisTestMade() throws Exception {
        try {
            if (docker != null) {
                for (Container c : docker.listContainersCmd().withShowAll(true)
                        .withLabelFilter(List.of(DockerNames.INSTANCE_LABEL + "=" + instance)).exec()) {
                    removeQuietly(c.getId());
                }
                docker.listVolumesCmd().withFilter("label", List.of(DockerNames.INSTANCE_LABEL + "=" + instance))
                        .exec().getVolumes().forEach(v -> docker.removeVolumeCmd(v.getName()).exec());
                for (String network : List.of(NETWORK, NETWORK + "-none")) {
                    try {
                        docker.removeNetworkCmd(network).exec();
                    } catch (NotFoundException alreadyGone) {
                        // not made, or removed by its test
                    }
                }
            }
        } finally {
            if (firewall != null) {
                firewall.remove();
            }
            if (runtime != null) {
                runtime.close();
            }
            if (daemon != null) {
                daemon.close();
            }
        }
    }

    @Test
    void a_workspace_cannot_open_a_port_another_workspace_listens_on() throws Exception {
        String bIp = ipOf(b);
        execAs(b, Map.of("P", "" + APP_PORT), "sh", "-c", "node -e \"$JS\" >/tmp/serve.log 2>&1 &", SERVE_JS);
        // B's own listener answers B, and the test on the host reaches it across the bridge...
        String fromB = "";
        for (int i = 0; i < 40 && !fromB.equals("connected"); i++) {
            fromB = connect(b, bIp, APP_PORT);
            if (!fromB.equals("connected")) {
                Thread.sleep(250);
            }
        }
        assertEquals("connected", fromB, "B's own listener never came up");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(bIp, APP_PORT), 3000);
            s.setSoTimeout(3000);
            assertEquals("hello from B", new String(s.getInputStream().readNBytes(12), StandardCharsets.UTF_8));
        }
        // ...but not A, as the workspace user, on the same network.
        String fromA = connect(a, bIp, APP_PORT);
        assertTrue(fromA.startsWith("failed:"), "workspace A reached B's port " + APP_PORT + ": " + fromA);
        // Not even the port the image's code-server listened on before it moved to a unix socket.
        assertTrue(connect(a, bIp, 8080).startsWith("failed:"));
    }

    @Test
    void workspaces_sit_on_the_workspace_network_alone_without_ipv6() throws Exception {
        for (String c : List.of(a, b)) {
            HostConfig host = docker.inspectContainerCmd(c).exec().getHostConfig();
            assertEquals(NETWORK, host.getNetworkMode());
            assertEquals(List.of(NETWORK), List.copyOf(docker.inspectContainerCmd(c).exec().getNetworkSettings()
                    .getNetworks().keySet()), "on the workspace network and nothing else");
            assertEquals("1", execAs(c, Map.of(), "cat", "/proc/sys/net/ipv6/conf/all/disable_ipv6").strip(),
                    "IPv6 is off in the container, so no link-local path around the IPv4 rules");
        }
        Network n = docker.inspectNetworkCmd().withNetworkId(NETWORK).exec();
        assertEquals("false", n.getOptions().get(WorkspaceNetwork.ICC_OPTION));
        assertEquals(BRIDGE, n.getOptions().get(WorkspaceNetwork.BRIDGE_NAME_OPTION));
        assertEquals(Boolean.FALSE, n.getInternal(), "egress public: not internal");
    }

    @Test
    void a_workspace_cannot_reach_a_host_listener_on_its_gateway_and_can_without_the_rules() throws Exception {
        String gateway = docker.inspectNetworkCmd().withNetworkId(NETWORK).exec().getIpam().getConfig().get(0)
                .getGateway();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName(gateway))) {
            int port = listener.getLocalPort();
            assertTrue(connect(a, gateway, port).startsWith("failed:"), "A reached the host at " + gateway);

            // The rules are what stops it: without them the same attempt gets through.
            firewall.remove();
            try {
                assertEquals("connected", connect(a, gateway, port), "without the rules the host answers");
            } finally {
                firewall.install();
            }
            assertTrue(connect(a, gateway, port).startsWith("failed:"), "A reached the host after a reinstall");
        }
    }

    @Test
    void the_host_rules_for_metadata_and_private_ranges_are_installed_once() throws Exception {
        ProcessCommandRunner iptables = new ProcessCommandRunner();
        String chain = WorkspaceFirewall.CHAIN_PREFIX + BRIDGE;
        for (String range : List.of("169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                "100.64.0.0/10")) {
            assertEquals(0, iptables.run(List.of("iptables", "-w", "5", "-C", chain, "-d", range, "-j", "DROP"), "",
                    Duration.ofSeconds(20)).exitCode(), range + " is not dropped");
        }
        assertEquals(0, iptables.run(List.of("iptables", "-w", "5", "-C", "INPUT", "-i", BRIDGE, "-m", "conntrack",
                "!", "--ctstate", "ESTABLISHED,RELATED", "-j", "DROP"), "", Duration.ofSeconds(20)).exitCode());
        firewall.install();
        String dockerUser = iptables.run(List.of("iptables", "-w", "5", "-S", "DOCKER-USER"), "",
                Duration.ofSeconds(20)).output();
        assertEquals(1, dockerUser.lines().filter(l -> l.equals("-A DOCKER-USER -i " + BRIDGE + " -j " + chain))
                .count(), "the jump is there once after a second install: " + dockerUser);
        String input = iptables.run(List.of("iptables", "-w", "5", "-S", "INPUT"), "", Duration.ofSeconds(20))
                .output();
        assertEquals(1, input.lines().filter(l -> l.contains("-i " + BRIDGE + " ")).count(), input);
    }

    @Test
    void with_egress_none_the_network_is_internal_and_a_mismatched_network_is_refused() {
        String name = NETWORK + "-none";
        String bridge = "cmin" + SUFFIX;
        try {
            new WorkspaceNetwork(name, bridge, WorkspaceEgress.NONE).ensure(docker);
            Network n = docker.inspectNetworkCmd().withNetworkId(name).exec();
            assertEquals(Boolean.TRUE, n.getInternal());
            assertEquals("false", n.getOptions().get(WorkspaceNetwork.ICC_OPTION));
            assertEquals("codermon", n.getLabels().get(DockerNames.MANAGED_BY_LABEL));

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new WorkspaceNetwork(name, bridge, WorkspaceEgress.PUBLIC).ensure(docker));
            assertTrue(e.getMessage().contains("it is internal") && e.getMessage().contains("docker network rm " + name),
                    e.getMessage());
        } finally {
            try {
                docker.removeNetworkCmd(name).exec();
            } catch (NotFoundException alreadyGone) {
                // not made
            }
        }
    }

    @Test
    void embedded_dns_forwards_from_the_workspace_so_only_the_resolver_exception_lets_names_resolve()
            throws Exception {
        // A resolver in a network namespace of the test's own, at a benchmarking-range address the rules drop.
        String ns = "cmdns" + SUFFIX;
        String hostSide = "cmdh" + SUFFIX;
        String nsSide = "cmdn" + SUFFIX;
        int third = ThreadLocalRandom.current().nextInt(1, 250);
        String hostIp = "198.18." + third + ".1";
        String resolverIp = "198.18." + third + ".2";
        Process resolver = null;
        String probe = "codermon-dns-" + SUFFIX;
        try {
            sh("ip netns add " + ns);
            sh("ip link add " + hostSide + " type veth peer name " + nsSide);
            sh("ip link set " + nsSide + " netns " + ns);
            sh("ip addr add " + hostIp + "/30 dev " + hostSide + " && ip link set " + hostSide + " up");
            sh("ip netns exec " + ns + " sh -c 'ip addr add " + resolverIp + "/30 dev " + nsSide + " && ip link set "
                    + nsSide + " up && ip link set lo up'");
            resolver = new ProcessBuilder("ip", "netns", "exec", ns, "node", "-e", DNS_JS, resolverIp)
                    .redirectErrorStream(true).start();
            awaitLine(resolver.getInputStream(), "listening");

            docker.createContainerCmd(IMAGE).withName(probe).withEntrypoint("sleep", "120").withUser("1000:1000")
                    .withLabels(Map.of(DockerNames.INSTANCE_LABEL, instance))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(NETWORK).withDns(resolverIp)
                            .withCapDrop(com.github.dockerjava.api.model.Capability.ALL))
                    .exec();
            docker.startContainerCmd(probe).exec();

            firewall.install();
            assertTrue(lookup(probe).startsWith("failed:"),
                    "the query reached a dropped range: Docker's DNS forwards from the host, not the container");

            new WorkspaceFirewall(BRIDGE, List.of(resolverIp), new ProcessCommandRunner()).install();
            assertEquals("resolved:203.0.113.7", lookup(probe), "the resolver exception lets DNS through");
        } finally {
            firewall.install();
            removeQuietly(probe);
            if (resolver != null) {
                resolver.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            new ProcessBuilder("ip", "link", "del", hostSide).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Answers every A query with 203.0.113.7 (documentation range, never contacted) for a minute at most. */
    private static final String DNS_JS = """
            const sock = require('dgram').createSocket('udp4');
            sock.on('message', (q, from) => {
              let i = 12; while (q[i] !== 0) i += q[i] + 1; const end = i + 5;
              const qtype = q.readUInt16BE(i + 1);
              const head = Buffer.from([q[0], q[1], 0x81, 0x80, 0, 1, 0, qtype === 1 ? 1 : 0, 0, 0, 0, 0]);
              const answer = qtype === 1 ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 7])
                  : Buffer.alloc(0);
              sock.send(Buffer.concat([head, q.subarray(12, end), answer]), from.port, from.address);
            });
            sock.bind(53, process.argv[1], () => console.log('listening'));
            setTimeout(() => process.exit(0), 60000);
            """;

    private static String lookup(String container) throws Exception {
        return execAs(container, Map.of("JS", """
                require('dns').lookup('probe.codermon.test', {family: 4}, (e, a) => {
                  console.log(e ? 'failed:' + e.code : 'resolved:' + a); process.exit(0); });
                setTimeout(() => { console.log('failed:timeout'); process.exit(0); }, 8000);
                """), "sh", "-c", "node -e \"$JS\"").strip();
    }

    private static String connect(String container, String host, int port) throws Exception {
        return execAs(container, Map.of("H", host, "P", "" + port, "JS", CONNECT_JS), "sh", "-c", "node -e \"$JS\"")
                .strip();
    }

    /** Runs a command in the container as uid 1000; a trailing argument after a {@code sh -c} script is $JS. */
    private static String execAs(String container, Map<String, String> env, String... command) throws Exception {
        Map<String, String> vars = new java.util.HashMap<>(env);
        String[] cmd = command;
        if (command.length == 4 && command[0].equals("sh")) {
            vars.put("JS", command[3]);
            cmd = new String[] {command[0], command[1], command[2]};
        }
        String id = docker.execCreateCmd(container).withUser("1000").withCmd(cmd)
                .withEnv(vars.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withAttachStdout(true).withAttachStderr(true).exec().getId();
        StringBuilder out = new StringBuilder();
        boolean done = docker.execStartCmd(id).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        assertTrue(done, String.join(" ", cmd) + " did not finish within 30 s: " + out);
        assertEquals(0L, docker.inspectExecCmd(id).exec().getExitCodeLong(), String.join(" ", cmd) + ": " + out);
        return out.toString();
    }

    private static String ipOf(String container) {
        return docker.inspectContainerCmd(container).exec().getNetworkSettings().getNetworks().get(NETWORK)
                .getIpAddress();
    }

    private static WorkspaceSpec spec(String user) {
        return new WorkspaceSpec("it-" + UUID.randomUUID(), user, "main", "main." + user + ".codermon.internal",
                home.resolve("workspaces"));
    }

    private static void sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), command + " hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + ": " + out);
    }

    private static void awaitLine(InputStream in, String expected) throws IOException {
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in,
                StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String line;
        // readLine blocks; the resolver prints within a second or exits (end of stream), so this is bounded.
        while ((line = r.readLine()) != null && System.nanoTime() < deadline) {
            if (line.contains(expected)) {
                return;
            }
        }
        fail("the test resolver did not start: last line " + line);
    }

    private static void removeQuietly(String container) {
        try {
            docker.removeContainerCmd(container).withForce(true).exec();
        } catch (NotFoundException alreadyGone) {
            // removed already
        }
    }
}
