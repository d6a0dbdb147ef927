package dev.codermon.systemtests;

import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.DockerNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One Codermon instance of a test: its own temporary CODERMON_HOME and ephemeral ports, the control plane
 * and the proxy started from the real jars as processes, logs under CODERMON_HOME/logs (copied to
 * target/system-tests/NAME when it closes). {@link #close} stops both by PID, then every workspace its
 * store records and every container and volume carrying its instance label, then removes the directory.
 */
final class Codermon implements AutoCloseable {

    static final String DOMAIN = "codermon.internal";
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final String name;
    private final Path home;
    private final Map<String, String> env = new HashMap<>();
    private final Docker docker;
    private final List<Process> extras = new ArrayList<>();
    private Process controlPlane;
    private Process proxy;
    final int cpPort = Host.freePort();
    final int proxyPort = Host.freePort();
    final int adminPort = Host.freePort();

    private Codermon(String name, Path home, Docker docker) {
        this.name = name;
        this.home = home;
        this.docker = docker;
        env.put("CODERMON_HOME", home.toString());
        env.put("CODERMON_CP_PORT", Integer.toString(cpPort));
        env.put("CODERMON_PROXY_PORT", Integer.toString(proxyPort));
        env.put("CODERMON_PROXY_ADMIN_PORT", Integer.toString(adminPort));
        env.put("CODERMON_PROXY_URL", "http://localhost:" + proxyPort);
        env.put("CODERMON_CP_URL", cpUrl());
        env.put("CODERMON_DOMAIN", DOMAIN);
        env.put("CODERMON_CODE_SERVER_BIN", Tools.codeServer());
        env.put("CODERMON_RUNTIME", "docker");
    }

    /** Makes an instance with a fresh /tmp/codermon-NAME.* directory, not started yet. */
    static Codermon create(String name) {
        return create(name, Docker.shared(), null);
    }

    /** Makes an instance whose control plane talks to this daemon (dockerHost: DOCKER_HOST, null: the default). */
    static Codermon create(String name, Docker docker, String dockerHost) {
        try {
            Codermon c = new Codermon(name, shortTempDir(name), docker);
            if (dockerHost != null) {
                c.env.put("DOCKER_HOST", dockerHost);
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes /tmp/cm-NAME-XXXXXX: short, since the workspaces' unix socket paths under it must stay within
     * the 107 bytes a socket path may have.
     */
    static Path shortTempDir(String name) throws IOException {
        String tag = name.replaceAll("IT$", "").toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; ; i++) {
            String suffix = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 30, 1L << 31), 36);
            try {
                return Files.createDirectory(Path.of("/tmp", "cm-" + tag + "-" + suffix),
                        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (i > 10) {
                    throw e;
                }
            }
        }
    }

    /** Sets an environment variable both processes see from their next start on. */
    Codermon env(String key, String value) {
        env.put(key, value);
        return this;
    }

    Path home() {
        return home;
    }

    String cpUrl() {
        return "http://127.0.0.1:" + cpPort;
    }

    /** Starts the control plane (which creates the keys the proxy needs), then the proxy. */
    void start() {
        startControlPlane();
        startProxy();
    }

    /** Starts the control plane and waits up to 60 s for its /healthz. */
    void startControlPlane() {
        if (env.get("CODERMON_RUNTIME").equals("docker")) {
            env.putIfAbsent("CODERMON_IMAGE", Tools.image());
        }
        controlPlane = launch("control-plane", Tools.controlPlaneJar());
        Process cp = controlPlane;
        Api api = new Api(this);
        try {
            Await.condition("the control plane answers /healthz on " + cpUrl(), Duration.ofSeconds(60), () -> {
                if (!cp.isAlive()) {
                    throw new Await.Abort("the control plane exited with " + cp.exitValue());
                }
                return api.healthz() == 200;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + tail("control-plane"), e);
        }
    }

    /** Starts the proxy and waits up to 30 s for its port. */
    void startProxy() {
        proxy = launch("edge-proxy", Tools.edgeProxyJar());
        Process p = proxy;
        try {
            Await.condition("the proxy listens on 127.0.0.1:" + proxyPort, Duration.ofSeconds(30), () -> {
                if (!p.isAlive()) {
                    throw new Await.Abort("the proxy exited with " + p.exitValue());
                }
                return Host.listening(proxyPort);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + tail("edge-proxy"), e);
        }
    }

    /** Kills the control plane at once (kill -9) and waits until it is gone. */
    void killControlPlane() {
        Processes.kill(controlPlane);
        controlPlane = null;
    }

    /** Stops the proxy and the control plane (TERM, KILL after 10 s), leaving their workspaces running. */
    void stop() {
        for (Process p : new Process[] {proxy, controlPlane}) {
            if (p != null) {
                Processes.stopTree(p.toHandle(), GRACE);
            }
        }
        proxy = null;
        controlPlane = null;
    }

    /** Starts a helper process (an app) whose output goes to logs/LOG; it is stopped at close. */
    Process startApp(String log, Path dir, List<String> command) {
        try {
            Files.createDirectories(logs());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs().resolve(log).toFile()));
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Process p = pb.start();
            synchronized (extras) {
                extras.add(p);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the store through the shared route store contract (opened for this call only). */
    <T> T store(Function<SqliteRouteStore, T> read) {
        try (SqliteRouteStore store = SqliteRouteStore.open(db())) {
            return read.apply(store);
        }
    }

    /** Returns the record of the user's workspace named main, if any. */
    Optional<WorkspaceRecord> record(String user) {
        return store(s -> s.findByUserAndName(user, "main"));
    }

    Path db() {
        return home.resolve("routes.db");
    }

    /** Returns SQLite's own verdict on the store file ("ok" when intact); the store has no method for it. */
    String integrity() {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            return rs.next() ? rs.getString(1) : "no answer";
        } catch (SQLException e) {
            return "error: " + e.getMessage();
        }
    }

    String adminKey() {
        try {
            return Files.readString(home.resolve("admin.key"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns this instance's label value on its containers and volumes. */
    String instanceLabel() {
        return DockerNames.instanceOf(home);
    }

    Path logs() {
        return home.resolve("logs");
    }

    /** Returns the last lines of both processes' logs, for an assertion message. */
    String tails() {
        return tail("control-plane") + tail("edge-proxy");
    }

    private String tail(String log) {
        Path file = logs().resolve(log + ".log");
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return "\n--- last lines of " + file + " ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "\n(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    private Process launch(String log, Path jar) {
        try {
            Files.createDirectories(logs());
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs().resolve(log + ".log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Stops everything, keeps the logs under target/system-tests/NAME, removes the directory. */
    @Override
    public void close() {
        stop();
        synchronized (extras) {
            extras.forEach(p -> Processes.stopTree(p.toHandle(), GRACE));
        }
        if (Files.exists(db())) {
            try {
                for (WorkspaceRecord r : store(SqliteRouteStore::listAll)) {
                    if (r.runtimeRef() != null && r.runtimeRef().matches("[0-9]+")) {
                        Processes.stopTree(Long.parseLong(r.runtimeRef()), GRACE);
                    } else {
                        docker.run("rm", "-f", DockerNames.containerName(r.id()));
                        docker.run("volume", "rm", DockerNames.volumeName(r.id()));
                    }
                }
            } catch (RuntimeException e) {
                System.err.println(name + ": cannot read the store to stop its workspaces: " + e.getMessage());
            }
        }
        docker.removeLabelled(DockerNames.INSTANCE_LABEL, instanceLabel());
        keepLogs();
        deleteTree(home);
    }

    private void keepLogs() {
        if (!Files.isDirectory(logs())) {
            return;
        }
        Path target = Tools.artifacts(name);
        try (Stream<Path> files = Files.list(logs())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println(name + ": cannot keep the logs: " + e.getMessage());
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
