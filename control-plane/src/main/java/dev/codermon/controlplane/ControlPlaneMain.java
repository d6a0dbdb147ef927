package dev.codermon.controlplane;

import dev.codermon.auth.DurationText;
import dev.codermon.auth.WorkspaceDomain;
import dev.codermon.controlplane.monitor.DeadPolicy;
import dev.codermon.controlplane.runtime.ContainerLimits;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.WorkspaceEgress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** Parses the control plane's options (flags, else environment, else defaults) and starts it. */
@Command(name = "control-plane", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = ControlPlaneMain.Version.class,
        description = "Runs the Codermon control plane: tokens, workspaces and their routes.",
        footer = "Every option can also be set with the environment variable named in its description.")
public final class ControlPlaneMain implements Callable<Integer> {

    @Option(names = "--home", paramLabel = "DIR", defaultValue = "${env:CODERMON_HOME:-./.codermon}",
            description = "Data directory shared with the proxy (CODERMON_HOME). Default: ${DEFAULT-VALUE}")
    String home;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "${env:CODERMON_CP_BIND:-127.0.0.1}",
            description = "Address the API listens on (CODERMON_CP_BIND). Default: ${DEFAULT-VALUE}")
    String bind;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:CODERMON_CP_PORT:-5001}",
            description = "API port, 0 picks a free one (CODERMON_CP_PORT). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--domain", paramLabel = "SUFFIX", defaultValue = "${env:CODERMON_DOMAIN:-" + WorkspaceDomain.DEFAULT + "}",
            description = "Workspace hostname suffix: <name>.<user>.<domain> (CODERMON_DOMAIN)."
                    + " Default: ${DEFAULT-VALUE}")
    String domain;

    @Option(names = "--proxy-url", paramLabel = "URL",
            defaultValue = "${env:CODERMON_PROXY_URL:-http://localhost:5000}",
            description = "HTTP proxy clients are told to use (CODERMON_PROXY_URL). Default: ${DEFAULT-VALUE}")
    String proxyUrl;

    @Option(names = "--code-server", paramLabel = "PATH",
            defaultValue = "${env:CODERMON_CODE_SERVER_BIN:-code-server}",
            description = "code-server executable, a path or a name on PATH (CODERMON_CODE_SERVER_BIN)."
                    + " Default: ${DEFAULT-VALUE}")
    String codeServer;

    @Option(names = "--token-ttl", paramLabel = "DURATION", defaultValue = "${env:CODERMON_TOKEN_TTL:-8h}",
            description = "Default and maximum user token lifetime, e.g. 30m, 8h, 1d, PT8H (CODERMON_TOKEN_TTL)."
                    + " Default: ${DEFAULT-VALUE}")
    String tokenTtl;

    @Option(names = "--ready-timeout", paramLabel = "DURATION",
            defaultValue = "${env:CODERMON_READY_TIMEOUT:-90s}",
            description = "How long code-server may take to become ready (CODERMON_READY_TIMEOUT)."
                    + " Default: ${DEFAULT-VALUE}")
    String readyTimeout;

    @Option(names = "--admin-key", paramLabel = "KEY", defaultValue = "${env:CODERMON_ADMIN_KEY}",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Admin API key, at least 16 characters (CODERMON_ADMIN_KEY). If unset, one is generated"
                    + " into <home>/admin.key (mode 0600) on first start and reused.")
    String adminKey;

    @Option(names = "--max-workspaces-per-user", paramLabel = "N",
            defaultValue = "${env:CODERMON_MAX_WORKSPACES_PER_USER:-3}",
            description = "Workspaces one user may have, in any state (CODERMON_MAX_WORKSPACES_PER_USER)."
                    + " Default: ${DEFAULT-VALUE}")
    int maxWorkspacesPerUser;

    @Option(names = "--max-workspaces", paramLabel = "N", defaultValue = "${env:CODERMON_MAX_WORKSPACES:-20}",
            description = "Workspaces starting or running at once, all users together (CODERMON_MAX_WORKSPACES)."
                    + " Default: ${DEFAULT-VALUE}")
    int maxWorkspaces;

    @Option(names = "--max-concurrent-starts", paramLabel = "N",
            defaultValue = "${env:CODERMON_MAX_CONCURRENT_STARTS:-2}",
            description = "Workspaces starting at the same moment (CODERMON_MAX_CONCURRENT_STARTS)."
                    + " Default: ${DEFAULT-VALUE}")
    int maxConcurrentStarts;

    @Option(names = "--monitor-interval", paramLabel = "DURATION",
            defaultValue = "${env:CODERMON_MONITOR_INTERVAL:-15s}",
            description = "Pause between monitor passes: health, idle reaping, reconcile (CODERMON_MONITOR_INTERVAL)."
                    + " Default: ${DEFAULT-VALUE}")
    String monitorInterval;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "${env:CODERMON_IDLE_TIMEOUT:-30m}",
            description = "Stop a workspace after this long without traffic through the proxy; files are kept"
                    + " (CODERMON_IDLE_TIMEOUT). Default: ${DEFAULT-VALUE}")
    String idleTimeout;

    @Option(names = "--dead-policy", paramLabel = "mark|restart", defaultValue = "${env:CODERMON_DEAD_POLICY:-mark}",
            description = "What to do with a running workspace that died: mark it FAILED or restart it"
                    + " (CODERMON_DEAD_POLICY). Default: ${DEFAULT-VALUE}")
    String deadPolicy;

    @Option(names = "--bootstrap-ttl", paramLabel = "DURATION", defaultValue = "${env:CODERMON_BOOTSTRAP_TTL:-60s}",
            description = "Lifetime of one-time browser links from POST /api/workspaces/{id}/open"
                    + " (CODERMON_BOOTSTRAP_TTL). Default: ${DEFAULT-VALUE}")
    String bootstrapTtl;

    @Option(names = "--allowed-hosts", paramLabel = "HOST[:PORT],...",
            defaultValue = "${env:CODERMON_CP_ALLOWED_HOSTS:-}",
            description = "Host header values the API answers besides localhost, 127.0.0.1 and [::1] on its port"
                    + " (CODERMON_CP_ALLOWED_HOSTS, comma-separated). Default: none")
    String allowedHosts;

    @Option(names = "--runtime", paramLabel = "docker|process", defaultValue = "${env:CODERMON_RUNTIME:-docker}",
            description = "Workspace runtime (CODERMON_RUNTIME): docker containers, isolated from each other;"
                    + " without a Docker daemon or the image the control plane does not start. process: local"
                    + " code-server processes running as this OS user with the data directory in reach, for one"
                    + " user only (--process-user). auto means docker. Default: ${DEFAULT-VALUE}")
    String runtime;

    @Option(names = "--process-user", paramLabel = "USER", defaultValue = "${env:CODERMON_PROCESS_USER}",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "The one user whose workspaces --runtime process runs; required with it, ignored by"
                    + " Docker. Any other user's create or start answers 409 single_user_runtime"
                    + " (CODERMON_PROCESS_USER).")
    String processUser;

    @Option(names = "--image", paramLabel = "IMAGE",
            defaultValue = "${env:CODERMON_IMAGE:-" + RuntimeSettings.DEFAULT_IMAGE + "}",
            description = "code-server image for workspace containers, never pulled: build it with"
                    + " scripts/build-image, or use e.g. codercom/code-server:4.99.4 (CODERMON_IMAGE)."
                    + " Default: ${DEFAULT-VALUE}")
    String image;

    @Option(names = "--docker-host", paramLabel = "URL",
            defaultValue = "${env:DOCKER_HOST:-" + RuntimeSettings.DEFAULT_DOCKER_HOST + "}",
            description = "Docker daemon (DOCKER_HOST). Default: ${DEFAULT-VALUE}")
    String dockerHost;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "${env:CODERMON_WS_MEMORY:-2g}",
            description = "Memory limit of each workspace container, no extra swap (CODERMON_WS_MEMORY)."
                    + " Default: ${DEFAULT-VALUE}")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "${env:CODERMON_WS_CPUS:-1.0}",
            description = "CPUs each workspace container may use (CODERMON_WS_CPUS). Default: ${DEFAULT-VALUE}")
    String cpus;

    @Option(names = "--pids", paramLabel = "N", defaultValue = "${env:CODERMON_WS_PIDS:-512}",
            description = "Processes and threads each workspace container may have (CODERMON_WS_PIDS)."
                    + " Default: ${DEFAULT-VALUE}")
    long pids;

    @Option(names = "--ws-egress", paramLabel = "public|none", defaultValue = "${env:CODERMON_WS_EGRESS:-public}",
            description = "What workspace containers may reach besides nothing private: public addresses (package"
                    + " installs), or none (an internal network). The host, other workspaces, private ranges and"
                    + " the metadata address are closed either way (CODERMON_WS_EGRESS). Default: ${DEFAULT-VALUE}")
    String wsEgress;

    /** Reports the version recorded in the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ControlPlaneMain.class.getPackage().getImplementationVersion();
            return new String[] {"Codermon control-plane " + (v == null ? "(development build)" : v)};
        }
    }

    public static void main(String[] args) {
        int status = new CommandLine(new ControlPlaneMain()).execute(args);
        System.exit(status);
    }

    /** Builds the validated config from the parsed options. */
    ControlPlaneConfig config() {
        return new ControlPlaneConfig(Path.of(home), bind, port, domain, ControlPlaneConfig.parseProxyUrl(proxyUrl),
                codeServer, DurationText.parse("--token-ttl / CODERMON_TOKEN_TTL", tokenTtl),
                DurationText.parse("--ready-timeout / CODERMON_READY_TIMEOUT", readyTimeout),
                Optional.ofNullable(adminKey), policy(), runtimeSettings());
    }

    private RuntimeSettings runtimeSettings() {
        return new RuntimeSettings(RuntimeKind.parse(runtime), image == null ? "" : image.trim(),
                dockerHost == null ? "" : dockerHost.trim(),
                new ContainerLimits(ContainerLimits.parseMemory(memory), ContainerLimits.parseCpus(cpus), pids),
                WorkspaceEgress.parse(wsEgress),
                processUser == null || processUser.isBlank() ? null : processUser.trim());
    }

    private PolicySettings policy() {
        return new PolicySettings(maxWorkspacesPerUser, maxWorkspaces, maxConcurrentStarts,
                DurationText.parse("--monitor-interval / CODERMON_MONITOR_INTERVAL", monitorInterval),
                DurationText.parse("--idle-timeout / CODERMON_IDLE_TIMEOUT", idleTimeout),
                DeadPolicy.parse(deadPolicy),
                DurationText.parse("--bootstrap-ttl / CODERMON_BOOTSTRAP_TTL", bootstrapTtl),
                PolicySettings.parseHosts(allowedHosts));
    }

    @Override
    public Integer call() throws InterruptedException {
        ControlPlane controlPlane;
        ControlPlaneConfig config;
        try {
            config = config();
            controlPlane = ControlPlane.start(config);
        } catch (RuntimeException e) {
            System.err.println("control-plane: cannot start: " + e.getMessage());
            return 1;
        }
        String host = config.bind().contains(":") ? "[" + config.bind() + "]" : config.bind();
        System.out.println("control-plane listening on http://" + host + ":" + controlPlane.port());
        System.out.println(controlPlane.adminKeyFile()
                .map(f -> "admin key: in " + f + " (send it as Authorization: Bearer <key> to POST /api/tokens)")
                .orElse("admin key: as configured by --admin-key / CODERMON_ADMIN_KEY"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controlPlane.close();
            stopped.countDown();
        }, "control-plane-shutdown"));
        stopped.await();
        return 0;
    }
}
