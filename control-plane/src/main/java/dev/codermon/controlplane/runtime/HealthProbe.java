package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks code-server's {@code /healthz} whether it is ready. Thread-safe. */
public final class HealthProbe {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(REQUEST_TIMEOUT)
            // Never route a loopback probe through whatever proxy the JVM was configured with.
            .proxy(HttpClient.Builder.NO_PROXY)
            .build();

    /** Returns whether {@code http://host:port/healthz} answers 200 right now. */
    public boolean isHealthy(String host, int port) {
        if (host == null || port <= 0) {
            return false;
        }
        String authority = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + authority + "/healthz"))
                .timeout(REQUEST_TIMEOUT)
                .GET()
                .build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
