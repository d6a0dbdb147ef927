package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real control plane main in a JVM of its own, with an environment of its own (an admin key in
 * {@code CODERMON_ADMIN_KEY}, {@code DOCKER_HOST}, a secret), and checks which runtime it chooses and
 * what the local-process runtime hands to the real code-server it starts.
 */
class ProcessRuntimeChoiceIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Pattern LISTENING = Pattern.compile("control-plane listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path home;
    private final List<Process> controlPlanes = new ArrayList<>();
    private final List<Long> workspacePids = new ArrayList<>();

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Process p : controlPlanes) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        workspacePids.forEach(RealCodeServer::kill);
    }

    @Test
    void the_process_runtime_serves_its_one_user_and_gives_code_server_none_of_the_control_planes_environment()
            throws Exception {
        String adminKey = "admin-" + UUID.randomUUID();
        String secret = "secret-" + UUID.randomUUID();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CODERMON_RUNTIME", "process");
        env.put("CODERMON_PROCESS_USER", "alice");
        env.put("CODERMON_CODE_SERVER_BIN", RealCodeServer.binary());
        env.put("CODERMON_ADMIN_KEY", adminKey);
        env.put("CODERMON_UNRELATED_SETTING", secret);
        env.put("DOCKER_HOST", "unix://" + home.resolve("never-used-docker.sock"));
        env.put("SOME_CLOUD_SECRET", secret);
        Process cp = startControlPlane(env);
        String base = "http://127.0.0.1:" + awaitPort(cp);
        String log = output();
        assertTrue(log.contains("WARN") && log.contains("every workspace runs as this OS user")
                && log.contains("only alice's workspaces are started"), log);

        String aliceToken = token(base, adminKey, "alice");
        HttpResponse<String> created = call(base, aliceToken, "POST", "/api/workspaces", "{\"name\":\"main\"}");
        assertEquals(201, created.statusCode(), created.body());
        String id = JSON.readTree(created.body()).get("id").asText();
        long pid;
        String socket;
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            WorkspaceRecord record = store.find(id).orElseThrow();
            pid = Long.parseLong(record.runtimeRef());
            socket = record.upstreamSocket();
        }
        workspacePids.add(pid);
        // Single-user and scrubbed, and still on its own unix socket like every workspace.
        assertEquals(home.resolve("sockets").resolve(id).resolve("code-server.sock").toAbsolutePath().toString(),
                socket);

        ProcessHandle codeServer = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(codeServer);
        codeServer.descendants().forEach(tree::add);
        assertTrue(tree.size() >= 2, "code-server runs its server in a child process: " + tree);
        Path workspaceHome = home.resolve("workspaces").resolve(id).resolve("home").toAbsolutePath();
        for (ProcessHandle p : tree) {
            Map<String, String> seen = environmentOf(p.pid());
            for (String name : seen.keySet()) {
                assertFalse(name.startsWith("CODERMON_"), "pid " + p.pid() + " has " + name);
            }
            assertFalse(seen.containsKey("DOCKER_HOST"), "pid " + p.pid() + " has DOCKER_HOST");
            assertFalse(seen.containsKey("SOME_CLOUD_SECRET"), "pid " + p.pid() + " has SOME_CLOUD_SECRET");
            assertFalse(seen.values().stream().anyMatch(v -> v.contains(adminKey) || v.contains(secret)),
                    "pid " + p.pid() + " holds the admin key or the secret in its environment");
            assertEquals(workspaceHome.toString(), seen.get("HOME"), "pid " + p.pid());
            assertTrue(seen.containsKey("PATH"), "pid " + p.pid() + " has no PATH");
        }
        assertTrue(Files.isDirectory(workspaceHome));

        // bob: his own valid token, refused with a reason, and nothing is recorded or started for him.
        String bobToken = token(base, adminKey, "bob");
        HttpResponse<String> refused = call(base, bobToken, "POST", "/api/workspaces", "{\"name\":\"main\"}");
        assertEquals(409, refused.statusCode(), refused.body());
        JsonNode error = JSON.readTree(refused.body());
        assertEquals("single_user_runtime", error.get("error").asText(), refused.body());
        assertTrue(error.get("detail").asText().contains("Docker runtime"), refused.body());
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            assertTrue(store.findByUserAndName("bob", "main").isEmpty(), "a record was made for bob");
            assertEquals(1, store.listAll().size());
        }

        assertEquals(204, call(base, aliceToken, "DELETE", "/api/workspaces/" + id, null).statusCode());
    }

    @Test
    void without_a_runtime_setting_and_without_docker_the_control_plane_does_not_start_and_says_both_ways_out()
            throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker-here.sock"));
        Process cp = startControlPlane(env);
        assertTrue(cp.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the control plane kept running");
        assertEquals(1, cp.exitValue());
        String out = output();
        for (String s : new String[] {"cannot start", "--runtime docker", "no Docker daemon answers at unix://",
                "scripts/build-image", "CODERMON_RUNTIME=process", "CODERMON_PROCESS_USER"}) {
            assertTrue(out.contains(s), s + " missing from: " + out);
        }
        assertFalse(out.contains("local processes ("), "it fell back to local processes: " + out);
    }

    @Test
    void docker_without_the_workspace_image_does_not_start_and_names_the_image() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CODERMON_RUNTIME", "auto");
        env.put("CODERMON_IMAGE", "codermon/no-such-image:0");
        Process cp = startControlPlane(env);
        assertTrue(cp.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the control plane kept running");
        assertEquals(1, cp.exitValue());
        String out = output();
        for (String s : new String[] {"cannot start", "the workspace image codermon/no-such-image:0 is not on Docker",
                "scripts/build-image", "CODERMON_RUNTIME=process"}) {
            assertTrue(out.contains(s), s + " missing from: " + out);
        }
    }

    /**
     * Starts {@code ControlPlaneMain} in a new JVM on a free port, with none of this JVM's {@code CODERMON_*}
     * or {@code DOCKER_HOST} and the given variables instead; its output goes to a file in the home.
     */
    private Process startControlPlane(Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ControlPlaneMain.class.getName(), "--home", home.toString(), "--port", "0")
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("control-plane.out").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("CODERMON_") || k.equals("DOCKER_HOST"));
        pb.environment().putAll(env);
        Process p = pb.start();
        controlPlanes.add(p);
        return p;
    }

    private int awaitPort(Process cp) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(output());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!cp.isAlive()) {
                throw new AssertionError("the control plane exited with " + cp.exitValue() + ": " + output());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the control plane did not listen within " + START_TIMEOUT + ": " + output());
    }

    private String output() throws IOException {
        Path out = home.resolve("control-plane.out");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    /** Reads a process's environment as the kernel keeps it: NUL-separated NAME=VALUE entries. */
    private static Map<String, String> environmentOf(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : new String(raw, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    private static String token(String base, String adminKey, String user) throws Exception {
        HttpResponse<String> minted = call(base, adminKey, "POST", "/api/tokens",
                "{\"user\":\"" + user + "\",\"ttl\":\"1h\"}");
        assertEquals(201, minted.statusCode(), minted.body());
        return JSON.readTree(minted.body()).get("token").asText();
    }

    private static HttpResponse<String> call(String base, String bearer, String method, String path, String body)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + bearer)
                .timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
