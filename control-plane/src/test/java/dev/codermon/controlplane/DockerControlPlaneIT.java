package dev.codermon.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.UnixHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


/**
 * Runs the control plane as {@code main} wires it with {@code --runtime docker}: workspaces are real
 * containers of the locally built image, created through the API, found again after a restart, and gone
 * (with their volumes) after a delete.
 */
class DockerControlPlaneIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final String IMAGE = Optional.ofNullable(System.getenv("CODERMON_IMAGE"))
            .filter(s -> !s.isBlank()).orElse(RuntimeSettings.DEFAULT_IMAGE);
    private static DockerClient docker;

    @TempDir
    Path home;
    private final List<ControlPlane> controlPlanes = new ArrayList<>();

    @BeforeAll
    static void connect() {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofSeconds(45)).build());
        try {
            docker.pingCmd().exec();
            docker.inspectImageCmd(IMAGE).exec();
        } catch (RuntimeException e) {
            fail("needs a Docker daemon with image " + IMAGE + " (scripts/test starts dockerd and runs"
                    + " scripts/build-image): " + e.getMessage());
        }
    }

    @AfterAll
    static void disconnect() throws IOException {
        docker.close();
    }

    @AfterEach
    void stopEverything() throws Exception {
        controlPlanes.forEach(ControlPlane::close);
        for (Container c : containers()) {
            docker.removeContainerCmd(c.getId()).withForce(true).exec();
        }
        for (InspectVolumeResponse v : volumes()) {
            docker.removeVolumeCmd(v.getName()).exec();
        }
    }

    @Test
    void a_workspace_container_is_created_through_the_api_adopted_after_a_restart_and_deleted_with_its_volume()
            throws Exception {
        ControlPlane cp = start(Duration.ofSeconds(90));
        String token = token(cp, "alice");

        // Two simultaneous requests for one workspace: one container.
        CompletableFuture<HttpResponse<String>> a = createAsync(cp, token, "main");
        CompletableFuture<HttpResponse<String>> b = createAsync(cp, token, "main");
        HttpResponse<String> ra = a.get();
        HttpResponse<String> rb = b.get();
        assertTrue(ra.statusCode() == 201 || rb.statusCode() == 201, ra.body() + " / " + rb.body());
        String id = JSON.readTree(ra.body()).get("id").asText();
        assertEquals(id, JSON.readTree(rb.body()).get("id").asText());
        assertEquals(1, containers().size(), "one container for one workspace");

        Route route = route("main.alice.codermon.internal");
        Path socket = home.resolve("sockets").resolve(id).resolve("code-server.sock");
        assertEquals(socket.toString(), route.upstreamSocket());
        assertEquals(200, health(route).status());
        var bindings = docker.inspectContainerCmd(containerOf(id)).exec().getHostConfig().getPortBindings();
        assertTrue(bindings == null || bindings.getBindings().isEmpty(), "no port is published: " + bindings);

        // code-server listens on its socket only: 8080, its port in the image, is free for an app.
        startListenerInside(containerOf(id), 8080);
        assertEquals(List.of(8080), awaitApps(cp, token, id));

        cp.close();
        controlPlanes.remove(cp);
        cp = start(Duration.ofSeconds(90));
        JsonNode after = JSON.readTree(send(cp, token, "GET", "/api/workspaces/" + id, null).body());
        assertEquals("RUNNING", after.get("state").asText(), "the container was found again after the restart");
        assertTrue(after.get("uptimeSeconds").isIntegralNumber() && after.get("uptimeSeconds").asLong() >= 0,
                "its uptime comes from the container's start: " + after);
        assertEquals(1, containers().size());

        assertEquals(204, send(cp, token, "DELETE", "/api/workspaces/" + id, null).statusCode());
        assertTrue(containers().isEmpty(), "the container is gone");
        assertTrue(volumes().isEmpty(), "the volume is gone");

        assertFalse(Files.exists(socket.getParent(), LinkOption.NOFOLLOW_LINKS), "the socket directory is gone");

        // A socket path belongs to one workspace id: the next workspace never gets the deleted one's.
        HttpResponse<String> next = send(cp, token, "POST", "/api/workspaces", "{\"name\":\"next\"}");
        assertEquals(201, next.statusCode(), next.body());
        assertNotEquals(route.upstreamSocket(), route("next.alice.codermon.internal").upstreamSocket());
    }

    @Test
    void a_control_plane_on_another_runtime_leaves_local_workspaces_running_and_says_so() throws Exception {
        String codeServerBin = RealCodeServer.binary();
        ControlPlane local = ControlPlane.start(ControlPlaneConfig.defaults(home).withPort(0)
                .withCodeServerBin(codeServerBin).withRuntime(RuntimeSettings.defaults().forProcessUser("dana")));
        controlPlanes.add(local);
        String token = token(local, "dana");
        HttpResponse<String> created = send(local, token, "POST", "/api/workspaces", "{\"name\":\"main\"}");
        assertEquals(201, created.statusCode(), created.body());
        String id = JSON.readTree(created.body()).get("id").asText();
        Route route = route("main.dana.codermon.internal");
        local.close();
        controlPlanes.remove(local);

        // The same store, now with Docker: the local code-server is not this runtime's to judge or stop.
        ControlPlane docker = start(Duration.ofSeconds(90));
        JsonNode seen = JSON.readTree(send(docker, token, "GET", "/api/workspaces/" + id, null).body());
        assertEquals("RUNNING", seen.get("state").asText(), "not taken for stopped by the Docker runtime");
        assertEquals(200, health(route).status(), "the local code-server still runs");
        assertEquals(route, route("main.dana.codermon.internal"), "its route is kept");
        HttpResponse<String> stop = send(docker, token, "POST", "/api/workspaces/" + id + "/stop", null);
        assertEquals(409, stop.statusCode(), stop.body());
        assertEquals("other_runtime", JSON.readTree(stop.body()).get("error").asText());
        assertTrue(containers().isEmpty(), "no container was started beside it");
        docker.close();
        controlPlanes.remove(docker);

        // Back on local processes, the workspace is its runtime's again and goes as usual.
        ControlPlane again = ControlPlane.start(ControlPlaneConfig.defaults(home).withPort(0)
                .withCodeServerBin(codeServerBin).withRuntime(RuntimeSettings.defaults().forProcessUser("dana")));
        controlPlanes.add(again);
        assertEquals(204, send(again, token, "DELETE", "/api/workspaces/" + id, null).statusCode());
        assertThrows(java.io.IOException.class, () -> health(route), "the local code-server is gone");
    }

    @Test
    void a_labelled_container_without_a_record_is_stopped_at_the_next_start() throws Exception {
        ControlPlane cp = start(Duration.ofSeconds(90));
        String token = token(cp, "erin");
        HttpResponse<String> created = send(cp, token, "POST", "/api/workspaces", "{\"name\":\"main\"}");
        assertEquals(201, created.statusCode(), created.body());
        String id = JSON.readTree(created.body()).get("id").asText();
        cp.close();
        controlPlanes.remove(cp);
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            store.delete(id);
        }
        assertEquals(1, containers().size());

        start(Duration.ofSeconds(90));
        assertTrue(containers().isEmpty(), "the orphan container was found by its labels and stopped");
    }

    @Test
    void a_start_that_does_not_become_ready_answers_503_and_leaves_no_container() throws Exception {
        ControlPlane cp = start(Duration.ofMillis(1));
        String token = token(cp, "bob");
        HttpResponse<String> r = send(cp, token, "POST", "/api/workspaces", "{\"name\":\"main\"}");
        assertEquals(503, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("start_failed", body.get("error").asText());
        assertTrue(body.get("detail").asText().contains("/healthz"), r.body());
        assertTrue(containers().isEmpty(), "no container is left behind");
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            assertTrue(store.findRoute("main.bob.codermon.internal").isEmpty(), "no route was written");
        }
    }

    private ControlPlane start(Duration readyTimeout) {
        ControlPlaneConfig config = ControlPlaneConfig.defaults(home).withPort(0).withReadyTimeout(readyTimeout)
                .withRuntime(RuntimeSettings.defaults().withKind(RuntimeKind.DOCKER).withImage(IMAGE));
        ControlPlane cp = ControlPlane.start(config);
        controlPlanes.add(cp);
        return cp;
    }

    private List<Container> containers() {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(List.of("dev.codermon.instance=" + instance())).exec();
    }

    private List<InspectVolumeResponse> volumes() {
        List<InspectVolumeResponse> found = docker.listVolumesCmd()
                .withFilter("label", List.of("dev.codermon.instance=" + instance())).exec().getVolumes();
        return found == null ? List.of() : found;
    }

    /** Computes the instance label the way the control plane does, independently of its code. */
    private String instance() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(home.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String containerOf(String id) {
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            return store.find(id).orElseThrow().runtimeRef();
        }
    }

    /** Starts a TCP listener inside the container, detached, as a program in a workspace terminal would. */
    private static void startListenerInside(String container, int port) {
        String exec = docker.execCreateCmd(container)
                .withCmd("node", "-e", "require('net').createServer().listen(" + port + ", '0.0.0.0')")
                .exec().getId();
        docker.execStartCmd(exec).withDetach(true).exec(new ResultCallback.Adapter<Frame>());
    }

    /** Polls the workspace's app list until it is not empty (the listener needs a moment), or 10 s. */
    private static List<Integer> awaitApps(ControlPlane cp, String token, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            HttpResponse<String> r = send(cp, token, "GET", "/api/workspaces/" + id + "/apps", null);
            assertEquals(200, r.statusCode(), r.body());
            List<Integer> ports = new ArrayList<>();
            JSON.readTree(r.body()).forEach(app -> ports.add(app.get("port").asInt()));
            if (!ports.isEmpty() || System.nanoTime() > deadline) {
                return ports;
            }
            Thread.sleep(100);
        }
    }

    private Route route(String hostname) {
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            return store.findRoute(hostname).orElseThrow(() -> new AssertionError("no route for " + hostname));
        }
    }

    private String token(ControlPlane cp, String user) throws Exception {
        String adminKey = Files.readString(cp.adminKeyFile().orElseThrow()).trim();
        HttpResponse<String> minted = send(cp, adminKey, "POST", "/api/tokens",
                "{\"user\":\"" + user + "\",\"ttl\":\"1h\"}");
        assertEquals(201, minted.statusCode(), minted.body());
        return JSON.readTree(minted.body()).get("token").asText();
    }

    private CompletableFuture<HttpResponse<String>> createAsync(ControlPlane cp, String token, String name) {
        return HTTP.sendAsync(request(cp, token, "POST", "/api/workspaces", "{\"name\":\"" + name + "\"}"),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(ControlPlane cp, String bearer, String method, String path, String body)
            throws Exception {
        return HTTP.send(request(cp, bearer, method, path, body), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(ControlPlane cp, String bearer, String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.port() + path))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static UnixHttp.Response health(Route route) throws IOException {
        return UnixHttp.get(Path.of(route.upstreamSocket()), route.hostname(), "/healthz", Duration.ofSeconds(10));
    }
}
