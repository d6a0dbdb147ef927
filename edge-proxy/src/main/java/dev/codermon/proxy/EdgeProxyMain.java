package dev.codermon.proxy;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.SigningKeys;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.auth.route.RouteStore;
import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.auth.route.SqliteRouteStore;
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

    private static final Logger log = LoggerFactory.getLogger(EdgeProxyMain.class);

    @Option(names = "--home", defaultValue = "${env:CODERMON_HOME:-.codermon}",
            description = "Data directory shared with the control plane (env CODERMON_HOME; default ${DEFAULT-VALUE}).")
    private Path home;

    @Option(names = "--bind", defaultValue = "${env:CODERMON_PROXY_BIND:-" + ProxyConfig.DEFAULT_BIND + "}",
            description = "Address to listen on (env CODERMON_PROXY_BIND; default ${DEFAULT-VALUE}).")
    private String bind;

    @Option(names = "--port", defaultValue = "${env:CODERMON_PROXY_PORT:-" + ProxyConfig.DEFAULT_PORT + "}",
            description = "Port to listen on, 0 for any free port (env CODERMON_PROXY_PORT; default ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--domain", defaultValue = "${env:CODERMON_DOMAIN:-" + ProxyConfig.DEFAULT_DOMAIN + "}",
            description = "Workspace domain; only hosts under it are reachable (env CODERMON_DOMAIN; default ${DEFAULT-VALUE}).")
    private String domain;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EdgeProxyMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        ProxyConfig config;
        TokenVerifier verifier;
        RouteStore store;
        try {
            config = new ProxyConfig(new CodermonHome(home), bind, port, domain);
            verifier = new TokenVerifier(SigningKeys.loadPublic(config.home()));
            store = SqliteRouteStore.open(config.home().routeStoreFile());
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException | RouteStoreException e) {
            System.err.println("edge-proxy: " + e.getMessage());
            return 2;
        }
        EdgeProxy proxy = new EdgeProxy(config, store, verifier);
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
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            proxy.close();
            store.close();
            stopped.countDown();
        }, "edge-proxy-shutdown"));
        stopped.await();
        return 0;
    }
}
