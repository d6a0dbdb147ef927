package dev.codermon.controlplane;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Option(names = "--domain", paramLabel = "SUFFIX", defaultValue = "${env:CODERMON_DOMAIN:-codermon.internal}",
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
                Optional.ofNullable(adminKey));
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
