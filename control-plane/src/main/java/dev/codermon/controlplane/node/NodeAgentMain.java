package dev.codermon.controlplane.node;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.DnsLabel;
import dev.codermon.auth.DurationText;
import dev.codermon.auth.route.SqlRouteStore;
import dev.codermon.auth.route.StoreSettings;
import dev.codermon.auth.route.Stores;
import dev.codermon.controlplane.RuntimeOptions;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.RuntimeChoice;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Parses the node agent's options (flags, else environment, else defaults) and runs it until stopped. */
@Command(name = "node-agent", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs a Codermon node agent: owns the workspaces of this node (docs/scale-out.md).",
        footer = {"Every option can also be set with the environment variable named in its description.",
                "The store is PostgreSQL, shared with the cluster: CODERMON_STORE=postgres, CODERMON_DATABASE_URL,"
                        + " CODERMON_DATABASE_USER, CODERMON_DATABASE_PASSWORD_FILE (docs/store.md)."})
public final class NodeAgentMain implements Callable<Integer> {

    @CommandLine.Mixin
    RuntimeOptions runtimeOptions = new RuntimeOptions();

    @Option(names = "--home", paramLabel = "DIR", defaultValue = "${env:CODERMON_HOME:-./.codermon}",
            description = "This node's data directory: workspaces' files and sockets (CODERMON_HOME)."
                    + " Default: ${DEFAULT-VALUE}")
    String home;

    @Option(names = "--node-id", paramLabel = "NAME", defaultValue = "${env:CODERMON_NODE_ID}", required = true,
            description = "This node's name, a DNS label; its relay certificate names it too (CODERMON_NODE_ID).")
    String nodeId;

    @Option(names = "--relay-address", paramLabel = "HOST:PORT", defaultValue = "${env:CODERMON_RELAY_ADDRESS}",
            required = true, description = "Where other nodes' proxies reach this node's relay"
                    + " (CODERMON_RELAY_ADDRESS).")
    String relayAddress;

    @Option(names = "--relay-tls-dir", paramLabel = "DIR", defaultValue = "${env:CODERMON_RELAY_TLS_DIR}",
            required = true, description = "This node's relay TLS directory (CODERMON_RELAY_TLS_DIR, as the proxy's):"
                    + " the agent publishes the fingerprint of its node.crt, the only certificate other nodes take"
                    + " from this node.")
    String relayTlsDir;

    @Option(names = "--capacity", paramLabel = "N", defaultValue = "${env:CODERMON_NODE_CAPACITY:-10}",
            description = "How many running workspaces placement may put here (CODERMON_NODE_CAPACITY)."
                    + " Default: ${DEFAULT-VALUE}")
    int capacity;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeAgentMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        NodeAgent agent;
        AutoCloseable store;
        WorkspaceRuntime runtime;
        try {
            DnsLabel.require("--node-id / CODERMON_NODE_ID", nodeId);
            if (capacity < 0) {
                throw new IllegalArgumentException("--capacity / CODERMON_NODE_CAPACITY must be 0 or more, was "
                        + capacity);
            }
            dev.codermon.auth.route.RelayCertificateFile relayCertificate =
                    dev.codermon.auth.route.RelayCertificateFile.in(Path.of(relayTlsDir));
            RuntimeSettings settings = runtimeOptions.settings();
            if (settings.kind() == RuntimeKind.NODES) {
                throw new IllegalArgumentException("a node agent runs workspaces itself: --runtime / CODERMON_RUNTIME"
                        + " must be docker or process here");
            }
            CodermonHome codermonHome = new CodermonHome(Path.of(home));
            codermonHome.ensureExists();
            SqlRouteStore opened = Stores.open(StoreSettings.fromEnv(System.getenv(), codermonHome));
            store = opened;
            HealthProbe probe = new HealthProbe();
            runtime = RuntimeChoice.open(settings, runtimeOptions.codeServer, runtimeOptions.readyTimeout(),
                    codermonHome, probe);
            // Docker workspaces run SSH servers that read their keys from this node's data directory.
            boolean ssh = settings.kind() == RuntimeKind.DOCKER;
            agent = new NodeAgent(new dev.codermon.auth.route.NodeRecord(nodeId, relayAddress, capacity, Instant.now(),
                    false), opened.nodeJobs(), opened, runtime, probe::isHealthy, codermonHome.workspacesDir(),
                    Clock.systemUTC(), ssh ? opened : null,
                    ssh ? new dev.codermon.controlplane.ssh.WorkspaceSshFiles(codermonHome.sshDir()) : null);
            agent.publishing(relayCertificate).start();
        } catch (RuntimeException e) {
            System.err.println("node-agent: cannot start: " + e.getMessage());
            return 1;
        }
        System.out.println("node agent " + nodeId + " running; relay " + relayAddress + ", capacity " + capacity
                + ", heartbeat every " + DurationText.format(NodeAgent.HEARTBEAT_EVERY));
        CountDownLatch stopped = new CountDownLatch(1);
        WorkspaceRuntime r = runtime;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            r.close();
            try {
                store.close();
            } catch (Exception e) {
                System.err.println("node-agent: closing the store: " + e.getMessage());
            }
            stopped.countDown();
        }, "node-agent-shutdown"));
        stopped.await();
        return 0;
    }
}
