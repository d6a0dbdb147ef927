package dev.codermon.controlplane.console;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serves what a browser needs before it has any credential: the console page and its assets, the
 * PAC file that sends only workspace hosts to the proxy, and the local CA certificate to trust.
 */
public final class ConsoleRoutes {


    private ConsoleRoutes() {
    }

    /** Adds the console's routes. */
    public static void register(RoutesConfig routes, URI proxyUrl, String domain, Path caCertificate) {
        byte[] index = resource("index.html");
        byte[] script = resource("console.js");
        byte[] style = resource("console.css");
        String pac = pacFile(proxyUrl, domain);
        String csp = contentSecurityPolicy(domain);

        routes.get("/", ctx -> page(ctx, csp, "text/html; charset=utf-8", index));
        routes.get("/console/", ctx -> ctx.redirect("/"));
        routes.get("/console/console.js", ctx -> page(ctx, csp, "text/javascript; charset=utf-8", script));
        routes.get("/console/console.css", ctx -> page(ctx, csp, "text/css; charset=utf-8", style));
        routes.get("/proxy.pac", ctx -> ctx.contentType("application/x-ns-proxy-autoconfig").result(pac));
        routes.get("/ca.crt", ctx -> caCertificate(ctx, caCertificate));
    }

    /** Returns a PAC file that sends the workspace domain to the proxy and everything else direct. */
    static String pacFile(URI proxyUrl, String domain) {
        int port = proxyUrl.getPort() == -1 ? 80 : proxyUrl.getPort();
        String proxy = proxyUrl.getHost() + ":" + port;
        return """
                // Codermon: only workspace hosts go through the proxy; everything else is direct.
                function FindProxyForURL(url, host) {
                  if (dnsDomainIs(host, ".%s")) {
                    return "PROXY %s";
                  }
                  return "DIRECT";
                }
                """.formatted(domain, proxy);
    }

    /**
     * Returns the console's policy: nothing inline, nothing from elsewhere, except that the page may
     * probe {@code https://<workspace host>/} to learn whether this browser trusts the local CA.
     */
    static String contentSecurityPolicy(String domain) {
        return "default-src 'self'; connect-src 'self' https://*." + domain + "; img-src 'self' data:;"
                + " frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    }

    private static void page(Context ctx, String csp, String type, byte[] body) {
        ctx.header("Content-Security-Policy", csp);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "origin");
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(type).result(body);
    }

    private static void caCertificate(Context ctx, Path file) throws IOException {
        try {
            byte[] pem = Files.readAllBytes(file);
            ctx.header("Content-Disposition", "attachment; filename=\"codermon-ca.crt\"");
            ctx.contentType("application/x-x509-ca-cert").result(pem);
        } catch (NoSuchFileException e) {
            ctx.status(404).json(Map.of("error", "not_found", "detail",
                    "no local CA yet: the edge proxy creates " + file + " on its first start"));
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console resource missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
