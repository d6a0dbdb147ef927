package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.controlplane.ControlPlaneApp;
import dev.codermon.controlplane.ControlPlaneConfig;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.Javalin;
import io.javalin.testtools.HttpClient;
import io.javalin.testtools.Response;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** Builds the real app over a real SQLite store, a fake runtime and test keys. */
final class ApiFixture implements AutoCloseable {

    static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    final ControlPlaneConfig config;
    final SqliteRouteStore store;
    final FakeRuntime runtime = new FakeRuntime();
    final TestTokens tokens = new TestTokens();
    final Path workspacesDir;
    final Javalin app;

    ApiFixture(Path tempDir) {
        config = ControlPlaneConfig.defaults(tempDir).withPort(0);
        store = SqliteRouteStore.open(tempDir.resolve("routes.db"));
        workspacesDir = tempDir.resolve("workspaces");
        WorkspaceService workspaces = new WorkspaceService(store, runtime, workspacesDir, config::hostnameOf,
                Clock.systemUTC());
        app = ControlPlaneApp.create(config, new ApiAuthenticator(AdminKey.of(ADMIN_KEY), tokens.verifier()),
                new TokenService(tokens.issuer(), Duration.ofHours(8)), workspaces);
    }

    static Response post(HttpClient client, String path, String bearer, String json) {
        return client.request(path, b -> {
            b.post(BodyPublishers.ofString(json));
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
        });
    }

    static Response get(HttpClient client, String path, String bearer) {
        return client.request(path, b -> b.get().header("Authorization", "Bearer " + bearer));
    }

    static Response delete(HttpClient client, String path, String bearer) {
        return client.request(path, b -> b.delete(BodyPublishers.noBody())
                .header("Authorization", "Bearer " + bearer));
    }

    static JsonNode json(Response response) throws Exception {
        return JSON.readTree(response.body().string());
    }

    @Override
    public void close() {
        store.close();
    }
}
