package dev.codermon.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.ControlPlaneStore;
import dev.codermon.auth.route.SqlRouteStore;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.controlplane.api.AdminKey;
import dev.codermon.controlplane.api.ApiAuthenticator;
import dev.codermon.controlplane.api.TokenService;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.Javalin;
import io.javalin.testtools.HttpClient;
import io.javalin.testtools.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assertions;

/** Builds the real app over a real SQLite store, a fake runtime and test keys. */
public final class ApiFixture implements AutoCloseable {

    public static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";
    public static final ObjectMapper JSON = new ObjectMapper();

    private final ControlPlaneConfig config;
    public final SqlRouteStore store;
    /** What the app uses as its store: {@link #store}, or a wrapper around it (one that fails on demand). */
    public final ControlPlaneStore served;
    public final FakeRuntime runtime;
    public final TestTokens tokens;
    public final Path workspacesDir;
    public final WorkspaceService workspaces;
    public final Javalin app;
    /** Every response of the app, checked against the OpenAPI description when the fixture closes. */
    public final DocumentedResponses responses;

    public ApiFixture(Path tempDir) {
        this(tempDir, PolicySettings.defaults());
    }

    /** Builds the app with other workspace limits (per user, in all, starting at once). */
    public ApiFixture(Path tempDir, int perUser, int total, int concurrentStarts) {
        this(tempDir, PolicySettings.defaults().withLimits(perUser, total, concurrentStarts));
    }

    private ApiFixture(Path tempDir, PolicySettings policy) {
        this(tempDir, policy, new FakeRuntime(), new TestTokens(), sqliteIn(tempDir), s -> s, Duration.ZERO);
    }

    /** Builds the app over a store wrapped by {@code wrap} (for example one that fails on demand). */
    public ApiFixture(Path tempDir, UnaryOperator<ControlPlaneStore> wrap) {
        this(tempDir, PolicySettings.defaults(), new FakeRuntime(), new TestTokens(), sqliteIn(tempDir), wrap,
                Duration.ZERO);
    }

    /**
     * Builds another replica of {@code first}: a second control plane with its own store connection on
     * the same SQLite file, the same runtime (one Docker daemon) and the same keys. Both then wait
     * {@code othersGrace} for each other's starts.
     */
    public static ApiFixture[] replicas(Path tempDir, Duration othersGrace) {
        return replicas(tempDir, othersGrace, sqliteIn(tempDir));
    }

    /** Builds two replicas as {@link #replicas(Path, Duration)} does, each on a store that {@code opener} opens. */
    public static ApiFixture[] replicas(Path tempDir, Duration othersGrace, Supplier<SqlRouteStore> opener) {
        ApiFixture first = new ApiFixture(tempDir, PolicySettings.defaults(), new FakeRuntime(), new TestTokens(),
                opener, s -> s, othersGrace);
        ApiFixture second = new ApiFixture(tempDir, PolicySettings.defaults(), first.runtime, first.tokens, opener,
                s -> s, othersGrace);
        return new ApiFixture[] {first, second};
    }

    private static Supplier<SqlRouteStore> sqliteIn(Path tempDir) {
        return () -> SqliteRouteStore.open(tempDir.resolve("routes.db"));
    }

    private ApiFixture(Path tempDir, PolicySettings policy, FakeRuntime runtime, TestTokens tokens,
            Supplier<SqlRouteStore> opener, UnaryOperator<ControlPlaneStore> wrap, Duration othersGrace) {
        this.runtime = runtime;
        this.tokens = tokens;
        config = ControlPlaneConfig.defaults(tempDir).withPort(0).withPolicy(policy);
        store = opener.get();
        served = wrap.apply(store);
        workspacesDir = tempDir.resolve("workspaces");
        workspaces = new WorkspaceService(served, runtime, workspacesDir, config::hostnameOf, policy.limits(),
                Clock.systemUTC(), othersGrace);
        app = ControlPlaneApp.create(config, new ApiAuthenticator(AdminKey.of(ADMIN_KEY), tokens.verifier(), served),
                new TokenService(tokens.issuer(), Duration.ofHours(8), policy.bootstrapTtl(), served,
                        Clock.systemUTC()), workspaces, served,
                new SshKeyService(served, new WorkspaceSshFiles(tempDir.resolve("ssh")), Clock.systemUTC()), null,
                dev.codermon.controlplane.monitor.ClusterJobs.alone("local"), store);
        responses = DocumentedResponses.attach(app);
    }

    public static Response post(HttpClient client, String path, String bearer, String json) {
        return client.request(path, b -> {
            b.post(BodyPublishers.ofString(json));
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
        });
    }

    public static Response get(HttpClient client, String path, String bearer) {
        return client.request(path, b -> b.get().header("Authorization", "Bearer " + bearer));
    }

    public static Response delete(HttpClient client, String path, String bearer) {
        return client.request(path, b -> b.delete(BodyPublishers.noBody())
                .header("Authorization", "Bearer " + bearer));
    }

    /** Sends a request with the given Host header over a raw socket (HTTP clients refuse to set Host). */
    public static RawResponse raw(int port, String method, String path, String host, String bearer) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            String request = method + " " + path + " HTTP/1.1\r\n"
                    + (host == null ? "" : "Host: " + host + "\r\n")
                    + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n")
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            return new RawResponse(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }
    }

    public record RawResponse(int status, String body) {
    }

    public static JsonNode json(Response response) throws Exception {
        return JSON.readTree(response.body().string());
    }

    @Override
    public void close() {
        store.close();
        Assertions.assertEquals(Set.of(), responses.undocumented(),
                "responses whose status openapi.json does not list for their operation");
    }
}
