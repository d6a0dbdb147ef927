package dev.codermon.controlplane;

import dev.codermon.auth.DurationText;
import dev.codermon.auth.WorkspaceDomain;
import dev.codermon.controlplane.monitor.DeadPolicy;
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
        footer = {"Every option can also be set with the environment variable named in its description.",
                "OpenID Connect sign-in is configured by environment only: CODERMON_OIDC_ISSUER,"
                        + " CODERMON_OIDC_CLIENT_ID, CODERMON_OIDC_CLIENT_SECRET_FILE (or _SECRET), CODERMON_OIDC_SCOPES,"
                        + " CODERMON_OIDC_ALLOWED_DOMAINS, CODERMON_OIDC_ALLOWED_GROUPS, CODERMON_OIDC_ADMIN_GROUP,"
                        + " CODERMON_OIDC_NAME_CLAIM, CODERMON_OIDC_GROUPS_CLAIM, CODERMON_OIDC_TIMEOUT,"
                        + " CODERMON_OIDC_OFFLINE_ACCESS, CODERMON_OIDC_CONSENT_PROMPT, CODERMON_OIDC_RECHECK_INTERVAL,"
                        + " CODERMON_CONSOLE_URL, CODERMON_CONSOLE_SESSION_TTL (docs/login.md)."})
public final class ControlPlaneMain implements Callable<Integer> {

    @CommandLine.Mixin
    RuntimeOptions runtimeOptions = new RuntimeOptions();

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

    @Option(names = "--token-ttl", paramLabel = "DURATION", defaultValue = "${env:CODERMON_TOKEN_TTL:-8h}",
            description = "Default and maximum user token lifetime, e.g. 30m, 8h, 1d, PT8H (CODERMON_TOKEN_TTL)."
                    + " Default: ${DEFAULT-VALUE}")
    String tokenTtl;

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
                runtimeOptions.codeServer, DurationText.parse("--token-ttl / CODERMON_TOKEN_TTL", tokenTtl),
                runtimeOptions.readyTimeout(), Optional.ofNullable(adminKey), policy(), runtimeOptions.settings());
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
            controlPlane = ControlPlane.start(config,
                    dev.codermon.controlplane.login.OidcSettings.fromEnvironment(System.getenv(), config.port()));
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
