package dev.codermon.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The local cluster of scripts/cluster (PostgreSQL and N nodes in network namespaces), run from this checkout
 * under its own prefix, subnet and directory so that it never meets another cluster on this machine. Node i
 * is at NET.(10+i): proxy :5000, control plane :5001.
 */
final class LocalCluster {

    static final String PREFIX = "ct";
    static final String NET = "10.79.0";
    static final Path DIR = Path.of("/tmp/codermon-ct");
    static final int PROXY_PORT = 5000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    // A new connection per call and no retries: a POST is never sent twice, a killed control plane fails fast.
    private static final OkHttpClient CLIENT = new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS))
            .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(90))
            .callTimeout(Duration.ofSeconds(100)).retryOnConnectionFailure(false).build();

    /** An API answer: status (-1 when the call failed), body, the body as JSON. */
    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return JSON.missingNode();
            }
        }

        String field(String name) {
            return json().path(name).asText("");
        }
    }

    private final Map<String, String> env = new HashMap<>();

    LocalCluster() {
        this("process");
    }

    /** @param runtime the nodes' workspace runtime: {@code process}, or {@code docker} (this machine's daemon) */
    LocalCluster(String runtime) {
        env.put("CODERMON_CLUSTER_PREFIX", PREFIX);
        env.put("CODERMON_CLUSTER_NET", NET);
        env.put("CODERMON_CLUSTER_DIR", DIR.toString());
        env.put("CODERMON_CODE_SERVER_BIN", Tools.codeServer());
        env.put("CODERMON_CLUSTER_RUNTIME", runtime);
        // The nodes' processes inherit it: alice gets more than the default 3 workspaces (the test makes 5).
        env.put("CODERMON_MAX_WORKSPACES_PER_USER", "8");
    }

    /** Runs scripts/cluster ARGS and fails with its output unless it exits 0. */
    String script(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Tools.root().resolve("scripts/cluster").toString());
        cmd.addAll(List.of(args));
        Commands.Result r = Commands.run(timeout, env, cmd);
        if (!r.ok()) {
            throw new AssertionError("scripts/cluster " + String.join(" ", args) + " exited " + r.exit() + ":\n"
                    + r.out());
        }
        return r.out();
    }

    /** Stops whatever a previous run left under this cluster's directory, then removes its data for a fresh start. */
    void fresh() {
        script(Duration.ofMinutes(2), "down");
        Codermon.deleteTree(DIR);
    }

    /** Brings up a fresh cluster of this many nodes; returns scripts/cluster's output. */
    String up(int nodes, Duration timeout) {
        fresh();
        return script(timeout, "up", "--nodes", Integer.toString(nodes));
    }

    static String addr(int node) {
        return NET + "." + (10 + node);
    }

    static String cpUrl(int node) {
        return "http://" + addr(node) + ":5001";
    }

    String adminKey() {
        try {
            return Files.readString(DIR.resolve("n1/home/admin.key")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The local CA the proxies sign their https workspace certificates with (n1's, shared by all). */
    static Path caCert() {
        return DIR.resolve("n1/home/ca/ca.crt");
    }

    /** Calls node's control plane: METHOD PATH with a bearer token and an optional JSON body; -1 if it fails. */
    Reply call(int node, String method, String path, String bearer, Object body) {
        Request.Builder b = new Request.Builder().url(cpUrl(node) + path).header("Accept", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        RequestBody rb = null;
        try {
            if (body != null) {
                rb = RequestBody.create(JSON.writeValueAsString(body), JSON_TYPE);
            } else if (method.equals("POST")) {
                rb = RequestBody.create(new byte[0], null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Response r = CLIENT.newCall(b.method(method, rb).build()).execute()) {
            return new Reply(r.code(), r.body().string());
        } catch (IOException e) {
            return new Reply(-1, method + " " + path + " on n" + node + " failed: " + e);
        }
    }

    /** GET http://HOST/healthz through node's proxy with this token (none when null): the status, -1 if none. */
    static int healthz(int node, String token, String host) {
        return proxy(node, token).status("http://" + host + "/healthz");
    }

    /** A client of node's proxy sending Bearer token (no credentials when null). */
    static ProxyClient proxy(int node, String token) {
        return ProxyClient.bearer(addr(node), PROXY_PORT, token);
    }

    /** Mints a user token through node 1 with the admin key. */
    String token(String user) {
        Reply r = call(1, "POST", "/api/tokens", adminKey(), Map.of("user", user, "ttl", "8h"));
        if (r.status() != 201) {
            throw new AssertionError("POST /api/tokens for " + user + " answered " + r.status() + " " + r.body());
        }
        return r.field("token");
    }

    /** Copies every node's logs (and PostgreSQL's) into target/system-tests/cluster/. */
    void keepLogs() {
        Path target = Tools.artifacts("cluster");
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String rel = DIR.relativize(f).toString();
                boolean log = rel.matches("n[0-9]/home/logs/.*") || rel.startsWith("pg/");
                if (Files.isRegularFile(f) && log && f.getFileName().toString().endsWith(".log")) {
                    Path to = target.resolve(rel.replace('/', '_'));
                    Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.err.println("cluster logs kept in " + target.toAbsolutePath());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("cannot keep the cluster's logs: " + e.getMessage());
        }
    }
}
