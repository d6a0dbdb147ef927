package dev.codermon.controlplane;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real OpenID provider (npm oidc-provider, installed by scripts/install-oidc-provider) on 127.0.0.1
 * through scripts/lib/oidc_provider.mjs, with the test's own client and users. Missing it fails the test
 * with the command that installs it: a login test never passes without a real provider.
 */
final class TestOidcProvider implements AutoCloseable {

    static final String CLIENT_ID = "codermon-test";
    static final String CLIENT_SECRET = "test-client-secret-0123456789";

    private final Process process;
    final URI issuer;

    private TestOidcProvider(Process process, URI issuer) {
        this.process = process;
        this.issuer = issuer;
    }

    /** Starts the provider with one confidential client whose redirect URI is the given one. */
    /** A free loopback port for the control plane under test, and its console URL (the provider's redirect target). */
    record Console(int port, URI url) {
        static Console onFreePort() throws IOException {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                return new Console(s.getLocalPort(), URI.create("http://127.0.0.1:" + s.getLocalPort()));
            }
        }
    }

    /** Starts the provider for a control plane at {@code console}, which redirects back to its /login/callback. */
    static TestOidcProvider startFor(Path tempDir, Console console, String usersJson) throws Exception {
        return start(tempDir, console.url().resolve("/login/callback"), usersJson);
    }

    static TestOidcProvider start(Path tempDir, URI redirectUri, String usersJson) throws Exception {
        Path dir = Path.of(System.getenv().getOrDefault("CODERMON_OIDC_PROVIDER_DIR",
                System.getProperty("user.home") + "/.cache/codermon/oidc-provider-9.13.3"));
        if (!Files.isRegularFile(dir.resolve("node_modules/oidc-provider/package.json"))) {
            throw new IllegalStateException("oidc-provider is not installed at " + dir
                    + "; run scripts/install-oidc-provider (scripts/test does)");
        }
        Path script = repoRoot().resolve("scripts/lib/oidc_provider.mjs");
        Path config = tempDir.resolve("oidc-provider.json");
        Files.writeString(config, """
                {"clients": [{"client_id": "%s", "client_secret": "%s", "redirect_uris": ["%s"],
                  "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                  "token_endpoint_auth_method": "client_secret_basic"}],
                 "users": %s}
                """.formatted(CLIENT_ID, CLIENT_SECRET, redirectUri, usersJson));
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), config.toString());
        pb.environment().put("OIDC_PROVIDER_DIR", dir.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("READY ")) {
                        return line.substring(6).trim();
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String issuer = ready.get(30, TimeUnit.SECONDS);
        if (issuer == null) {
            p.destroyForcibly();
            throw new IllegalStateException("the test OpenID provider did not start");
        }
        return new TestOidcProvider(p, URI.create(issuer));
    }

    private static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        while (here != null && !Files.isDirectory(here.resolve("scripts/lib"))) {
            here = here.getParent();
        }
        if (here == null) {
            throw new IllegalStateException("cannot find the repository's scripts/lib from "
                    + Path.of("").toAbsolutePath());
        }
        return here;
    }

    /** Makes the token endpoint misbehave: normal, wrong-aud, wrong-iss, expired, wrong-key, slow. */
    void mode(String mode) throws Exception {
        post("/__test/mode", "{\"mode\":\"" + mode + "\"}");
    }

    /** Adds or changes a user at the provider. */
    void user(String json) throws Exception {
        post("/__test/user", json);
    }

    /** Disables the account at the provider (or enables it again): its refresh tokens get invalid_grant. */
    void disable(String login, boolean disabled) throws Exception {
        post("/__test/disable", "{\"login\":\"" + login + "\",\"disabled\":" + disabled + "}");
    }

    private void post(String path, String json) throws Exception {
        HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(issuer.resolve(path))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 204) {
            throw new IllegalStateException("test provider answered " + r.statusCode() + " to " + path);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
