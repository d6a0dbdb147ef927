package dev.codermon.proxy;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.DurationText;
import dev.codermon.auth.SigningKeys;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.auth.route.ProxyStore;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.auth.route.StoreSettings;
import dev.codermon.auth.route.Stores;
import dev.codermon.proxy.relay.NodeRelay;
import dev.codermon.proxy.relay.RelayOptions;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Parses the configuration from flags and environment and runs the proxy until the JVM stops. */
@Command(name = "edge-proxy", mixinStandardHelpOptions = true,
        description = "Authenticating forward proxy that reaches only Codermon workspaces.")
public final class EdgeProxyMain implements Callable<Integer> {

    @Option(names = "--home", defaultValue = "${env:CODERMON_HOME:-.codermon}",
            description = "Data directory shared with the control plane (env CODERMON_HOME; default ${DEFAULT-VALUE}).")
    private Path home;

    @Option(names = "--bind", defaultValue = "${env:CODERMON_PROXY_BIND:-" + ProxyConfig.DEFAULT_BIND + "}",
            description = "Address to listen on (env CODERMON_PROXY_BIND; default ${DEFAULT-VALUE}).")
    private String bind;

    @Option(names = "--port", defaultValue = "${env:CODERMON_PROXY_PORT:-" + ProxyConfig.DEFAULT_PORT + "}",
            description = "Port to listen on, 0 for any free port (env CODERMON_PROXY_PORT; default ${DEFAULT-VALUE}).")
    private int port;

    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";
    /** How often a store that could not be opened at start is tried again (while the route snapshot is served). */
    private static final java.time.Duration STORE_RETRY = java.time.Duration.ofSeconds(2);

    @Option(names = "--domain", defaultValue = "${env:CODERMON_DOMAIN:-" + ProxyConfig.DEFAULT_DOMAIN + "}",
            description = "Workspace domain; only hosts under it are reachable"
                    + " (env CODERMON_DOMAIN; default ${DEFAULT-VALUE}).")
    private String domain;

    @Option(names = "--session-ttl", defaultValue = "${env:CODERMON_SESSION_TTL:-"
            + AccessSettings.DEFAULT_SESSION_TTL + "}",
            description = "Lifetime of a browser session opened by a sign-in link (env CODERMON_SESSION_TTL;"
                    + " default ${DEFAULT-VALUE}).")
    private String sessionTtl;

    @Option(names = "--activity-interval", defaultValue = "${env:CODERMON_ACTIVITY_INTERVAL:-"
            + AccessSettings.DEFAULT_ACTIVITY_INTERVAL + "}",
            description = "At most one activity write per workspace per this interval (env CODERMON_ACTIVITY_INTERVAL;"
                    + " default ${DEFAULT-VALUE}).")
    private String activityInterval;

    @Option(names = "--admin-port",
            defaultValue = "${env:CODERMON_PROXY_ADMIN_PORT:-" + ProxyConfig.DEFAULT_ADMIN_PORT + "}",
            description = "Loopback port of /metrics and /healthz, 0 for any free port, -1 for none"
                    + " (env CODERMON_PROXY_ADMIN_PORT; default ${DEFAULT-VALUE}).")
    private int adminPort;

    @Option(names = "--admin-allowed-hosts", paramLabel = "HOST[:PORT],...",
            defaultValue = "${env:CODERMON_PROXY_ADMIN_ALLOWED_HOSTS:-}",
            description = "Extra Host names the admin port answers besides localhost, 127.0.0.1 and [::1]; host for"
                    + " any port or host:port, comma-separated (env CODERMON_PROXY_ADMIN_ALLOWED_HOSTS). Default: none")
    private String adminAllowedHosts;

    @Option(names = "--console-origins", paramLabel = "ORIGIN,...",
            defaultValue = "${env:CODERMON_CONSOLE_ORIGINS:-}",
            description = "Origins of the web console, comma-separated: over plain http a sign-in link is redeemed at"
                    + " once only when the browser comes from one of them (its Referer); otherwise the proxy asks"
                    + " first. Default: http://localhost, http://127.0.0.1 and http://[::1] on CODERMON_CP_PORT"
                    + " (5001) (env CODERMON_CONSOLE_ORIGINS)")
    private String consoleOrigins;

    @Option(names = "--max-request-line",
            defaultValue = "${env:CODERMON_PROXY_MAX_REQUEST_LINE:-" + ProxyLimits.DEFAULT_MAX_REQUEST_LINE + "}",
            description = "Longest request line in bytes; longer gets 414"
                    + " (env CODERMON_PROXY_MAX_REQUEST_LINE; default ${DEFAULT-VALUE}).")
    private int maxRequestLine;

    @Option(names = "--max-header-bytes",
            defaultValue = "${env:CODERMON_PROXY_MAX_HEADER_BYTES:-" + ProxyLimits.DEFAULT_MAX_HEADER_BYTES + "}",
            description = "Largest request header section in bytes; larger gets 431"
                    + " (env CODERMON_PROXY_MAX_HEADER_BYTES; default ${DEFAULT-VALUE}).")
    private int maxHeaderBytes;

    @Option(names = "--max-header-count",
            defaultValue = "${env:CODERMON_PROXY_MAX_HEADER_COUNT:-" + ProxyLimits.DEFAULT_MAX_HEADER_COUNT + "}",
            description = "Most header fields in one request; more gets 431"
                    + " (env CODERMON_PROXY_MAX_HEADER_COUNT; default ${DEFAULT-VALUE}).")
    private int maxHeaderCount;

    @Option(names = "--header-timeout",
            defaultValue = "${env:CODERMON_PROXY_HEADER_TIMEOUT:-" + ProxyLimits.DEFAULT_HEADER_TIMEOUT + "}",
            description = "Time from a request's first byte to the end of its headers; slower gets 408"
                    + " (env CODERMON_PROXY_HEADER_TIMEOUT; default ${DEFAULT-VALUE}).")
    private String headerTimeout;

    @Option(names = "--idle-timeout",
            defaultValue = "${env:CODERMON_PROXY_IDLE_TIMEOUT:-" + ProxyLimits.DEFAULT_HTTP_IDLE_TIMEOUT + "}",
            description = "Closes an HTTP connection idle this long; a request still waiting for its"
                    + " workspace then gets 504 (env CODERMON_PROXY_IDLE_TIMEOUT; default ${DEFAULT-VALUE}).")
    private String idleTimeout;

    @Option(names = "--tunnel-idle-timeout",
            defaultValue = "${env:CODERMON_PROXY_TUNNEL_IDLE_TIMEOUT:-" + ProxyLimits.DEFAULT_TUNNEL_IDLE_TIMEOUT + "}",
            description = "Closes a WebSocket or tunnel idle this long"
                    + " (env CODERMON_PROXY_TUNNEL_IDLE_TIMEOUT; default ${DEFAULT-VALUE}).")
    private String tunnelIdleTimeout;

    @Option(names = "--connect-timeout",
            defaultValue = "${env:CODERMON_PROXY_CONNECT_TIMEOUT:-" + ProxyLimits.DEFAULT_CONNECT_TIMEOUT + "}",
            description = "Longest wait for a workspace to accept a connection; then 504"
                    + " (env CODERMON_PROXY_CONNECT_TIMEOUT; default ${DEFAULT-VALUE}).")
    private String connectTimeout;

    @Option(names = "--max-connections",
            defaultValue = "${env:CODERMON_PROXY_MAX_CONNECTIONS:-auto}",
            description = "Most client connections at once; more get 503. 'auto' fits them in the process's"
                    + " open-file limit, two sockets each (client and upstream)"
                    + " (env CODERMON_PROXY_MAX_CONNECTIONS; default ${DEFAULT-VALUE}).")
    private String maxConnections;

    @Option(names = "--drain-timeout",
            defaultValue = "${env:CODERMON_PROXY_DRAIN_TIMEOUT:-" + ProxyLimits.DEFAULT_DRAIN_TIMEOUT + "}",
            description = "On shutdown, how long in-flight requests may take to finish"
                    + " (env CODERMON_PROXY_DRAIN_TIMEOUT; default ${DEFAULT-VALUE}).")
    private String drainTimeout;

    @Option(names = "--deny-app-ports", defaultValue = "${env:CODERMON_DENY_APP_PORTS:-22}",
            description = "Ports inside workspaces that app hosts (<port>.<workspace-host>) never reach, comma-separated"
                    + " (env CODERMON_DENY_APP_PORTS; default ${DEFAULT-VALUE}).")
    private String denyAppPorts;

    @CommandLine.Mixin private RelayOptions relayOptions = new RelayOptions();

    /**
     * Resolves {@code --max-connections}: a number as given (with a warning if the open-file limit cannot
     * hold that many connections and their upstream sockets), or {@code auto}, derived from that limit.
     */
    private int connectionCap(Logger log) {
        long files = ProxyLimits.openFileLimit();
        if ("auto".equalsIgnoreCase(maxConnections.trim())) {
            int cap = ProxyLimits.connectionsFor(files);
            log.info("connection cap {} (open-file limit {}: two sockets per connection, {} kept spare)", cap,
                    files < 0 ? "unknown" : files, ProxyLimits.SPARE_FILES);
            return cap;
        }
        int cap;
        try {
            cap = Integer.parseInt(maxConnections.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--max-connections (CODERMON_PROXY_MAX_CONNECTIONS) must be a"
                    + " number or 'auto', got '" + maxConnections + "'");
        }
        if (files > 0 && cap > ProxyLimits.connectionsFor(files)) {
            log.warn("--max-connections {} needs up to {} open files (client and upstream socket each), but this"
                    + " process may open {}: raise ulimit -n or lower the cap", cap, 2L * cap
                    + ProxyLimits.SPARE_FILES, files);
        }
        return cap;
    }

    public static void main(String[] args) {
        // Netty samples one buffer in 128 for leak tracking by default, recording a stack trace each time
        // (measured: about 2% of the proxy's CPU per small request). The tests run it at paranoid; a
        // deployment can ask for it with -Dio.netty.leakDetection.level=simple.
        if (System.getProperty(LEAK_DETECTION) == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
        System.exit(new CommandLine(new EdgeProxyMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        // logback.xml puts the access log under ${CODERMON_HOME}/logs; make --home count as much as the
        // environment variable does, before the first logger configures logback.
        System.setProperty(CodermonHome.ENV, home.toAbsolutePath().normalize().toString());
        Logger log = LoggerFactory.getLogger(EdgeProxyMain.class);
        ProxyConfig config;
        AccessSettings access;
        TokenVerifier verifier;
        ProxyStore store;
        RouteFeed feed;
        NodeRelay relay = null;
        try {
            ProxyLimits limits = new ProxyLimits(maxRequestLine, maxHeaderBytes, maxHeaderCount,
                    DurationText.parse("--header-timeout (CODERMON_PROXY_HEADER_TIMEOUT)", headerTimeout),
                    DurationText.parse("--idle-timeout (CODERMON_PROXY_IDLE_TIMEOUT)", idleTimeout),
                    DurationText.parse("--tunnel-idle-timeout (CODERMON_PROXY_TUNNEL_IDLE_TIMEOUT)", tunnelIdleTimeout),
                    DurationText.parse("--connect-timeout (CODERMON_PROXY_CONNECT_TIMEOUT)", connectTimeout),
                    connectionCap(log),
                    DurationText.parse("--drain-timeout (CODERMON_PROXY_DRAIN_TIMEOUT)", drainTimeout));
            config = new ProxyConfig(new CodermonHome(home), bind, port, domain, adminPort, limits,
                    ProxyConfig.parseAppPorts(denyAppPorts), ProxyConfig.parseHosts(adminAllowedHosts));
            access = new AccessSettings(DurationText.parse("--session-ttl (CODERMON_SESSION_TTL)", sessionTtl),
                    DurationText.parse("--activity-interval (CODERMON_ACTIVITY_INTERVAL)", activityInterval),
                    AccessSettings.consoleOrigins(consoleOrigins, AccessSettings.controlPlanePort(System.getenv())));
            verifier = new TokenVerifier(SigningKeys.loadPublic(config.home()));
            StoreSettings settings = StoreSettings.fromEnv(System.getenv(), config.home());
            DeferredStore<?> opened = DeferredStore.open(() -> Stores.open(settings), config.routeSnapshotFile(),
                    STORE_RETRY);
            store = opened;
            feed = opened;
            relay = relayOptions.nodeRelay(opened);
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException | RouteStoreException e) {
            System.err.println("edge-proxy: " + e.getMessage());
            return 2;
        }
        EdgeProxy proxy = new EdgeProxy(config, access, store, feed, verifier).withRelay(relay);
        try {
            proxy.start();
        } catch (Exception e) {
            // Netty rethrows bind failures (address in use, bad address) without declaring them.
            System.err.println("edge-proxy: cannot listen on " + config.bind() + ":" + config.port() + ": " + e);
            proxy.close();
            store.close();
            return 1;
        }
        InetSocketAddress address = proxy.address();
        System.out.println("edge-proxy listening on " + address.getHostString() + ":" + address.getPort());
        System.out.println("edge-proxy CA certificate: " + proxy.caCertificateFile());
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down: draining for up to {}", config.limits().drainTimeout());
            proxy.drainAndClose();
            store.close();
            // The access log is written asynchronously: flush what is queued before the JVM exits.
            if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
                logback.stop();
            }
            stopped.countDown();
        }, "edge-proxy-shutdown"));
        stopped.await();
        return 0;
    }
}
