package dev.codermon.proxy.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Serves {@code /metrics} (Prometheus text) and {@code /healthz} on a loopback-only admin port, on one
 * thread of its own, away from the proxy's event loops. Only requests whose {@code Host} names the
 * loopback or a configured host are answered ({@link AdminHostGuard}); others get {@code 421}.
 */
public final class AdminServer implements AutoCloseable {

    private static final String TEXT = "text/plain; charset=utf-8";
    /** 421 Misdirected Request: this server is not the one the request's Host names. */
    private static final int MISDIRECTED = 421;

    private final HttpServer server;
    private final ExecutorService executor;

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts the admin server on 127.0.0.1.
     *
     * @param port         the port; 0 picks a free one
     * @param allowedHosts extra {@code Host} values answered besides the loopback names ({@code host} or
     *                     {@code host:port}, already validated)
     * @param healthy      answers whether the proxy accepts new work (false while draining)
     */
    public static AdminServer start(int port, List<String> allowedHosts, ProxyMetrics metrics,
            BooleanSupplier healthy) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        AdminHostGuard guard = new AdminHostGuard(allowedHosts, server.getAddress().getPort());
        server.createContext("/metrics", guarded(guard, exchange ->
                respond(exchange, 200, metrics.contentType(), metrics.render())));
        server.createContext("/healthz", guarded(guard, exchange -> {
            boolean ok = healthy.getAsBoolean();
            respond(exchange, ok ? 200 : 503, TEXT, ok ? "ok\n" : "draining\n");
        }));
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "edge-proxy-admin");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.start();
        return new AdminServer(server, executor);
    }

    /** Answers 421 instead of running the handler when the request's {@code Host} is not one the guard allows. */
    private static HttpHandler guarded(AdminHostGuard guard, HttpHandler handler) {
        return exchange -> {
            if (guard.allows(exchange.getRequestHeaders().get("Host"))) {
                handler.handle(exchange);
            } else {
                respond(exchange, MISDIRECTED, TEXT, "the proxy's admin port does not answer to this Host header;"
                        + " use http://127.0.0.1:" + exchange.getLocalAddress().getPort() + ", or add the name to"
                        + " --admin-allowed-hosts / CODERMON_PROXY_ADMIN_ALLOWED_HOSTS\n");
            }
        };
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        try (exchange) {
            if (status != MISDIRECTED && !"GET".equals(exchange.getRequestMethod())
                    && !"HEAD".equals(exchange.getRequestMethod())) {
                status = 405;
                body = "only GET\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
