package dev.codermon.auth.route;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Runs a real PostgreSQL server for tests, from Debian's binaries ({@code /usr/lib/postgresql/15/bin}, or
 * {@code CODERMON_PG_BIN}), as the {@code postgres} user when the tests run as root (initdb and postgres
 * refuse root). It listens on a free loopback port only, with password (scram-sha-256) authentication, and
 * has a login role {@link #USER}; each test takes a fresh database of its own ({@link #newDatabase}).
 * Missing binaries fail the test with a message saying how to get them: it never skips.
 */
public final class TestPostgres implements AutoCloseable {

    public static final String USER = "codermon";

    private static final Path DEFAULT_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private final String superPassword = UUID.randomUUID().toString();
    private final String password = UUID.randomUUID().toString();

    private TestPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
    }

    /** Creates a cluster in a temporary directory, starts it, and creates the login role. */
    public static TestPostgres start() {
        Path bin = Path.of(System.getenv().getOrDefault("CODERMON_PG_BIN", DEFAULT_BIN.toString()));
        if (!Files.isExecutable(bin.resolve("postgres")) || !Files.isExecutable(bin.resolve("initdb"))) {
            throw new IllegalStateException("PostgreSQL 15 is not installed (no " + bin.resolve("postgres")
                    + "): run scripts/test, which installs Debian's postgresql-15 (scripts/lib/postgres.sh),"
                    + " or apt-get install postgresql-15");
        }
        try {
            Path dir = Files.createTempDirectory("codermon-pg-");
            TestPostgres pg = new TestPostgres(bin, dir, freePort());
            pg.init();
            pg.startServer();
            try (Connection c = pg.superuser("postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + pg.password + "'");
            }
            return pg;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot start the test PostgreSQL: " + e.getMessage(), e);
        }
    }

    private void init() throws IOException {
        Files.writeString(dir.resolve("pwfile"), superPassword + "\n");
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), true);
        runAsPostgres(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=scram-sha-256",
                "--pwfile=" + dir.resolve("pwfile"), "--no-sync", "-E", "UTF8", "--locale=C");
        Files.delete(dir.resolve("pwfile"));
    }

    private void startServer() throws IOException {
        runAsPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c max_connections=200", "-w", "-t", "30", "start");
    }

    /** Returns the port the server listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** Returns the login role's password. */
    public String password() {
        return password;
    }

    /** Returns the JDBC URL of a database on this server. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates a fresh database owned by {@link #USER} and returns its name. */
    public String newDatabase() {
        String name = "codermon_test_" + DATABASES.incrementAndGet();
        try (Connection c = superuser("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + USER);
            return name;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Returns store settings for the database, as the login role with its password. */
    public StoreSettings settings(String database) {
        return StoreSettings.postgres(url(database), USER, password);
    }

    /** Opens a connection as the superuser (for what a test does behind the store's back). */
    public Connection superuser(String database) throws SQLException {
        return DriverManager.getConnection(url(database), "postgres", superPassword);
    }

    /** Stops the server (fast: open sessions are ended). */
    public void stop() {
        runAsPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop");
    }

    /** Kills the server's postmaster with SIGKILL, as a crash would. */
    public void kill() {
        try {
            String pid = Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim();
            run(List.of("kill", "-9", pid), false);
        } catch (IOException e) {
            throw new IllegalStateException("no postmaster.pid: " + e.getMessage(), e);
        }
    }

    /** Starts the server again after {@link #stop} or {@link #kill} (same port, same data). */
    public void restart() {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                startServer();
                return;
            } catch (IllegalStateException | IOException e) {
                last = e instanceof IllegalStateException ise ? ise : new IllegalStateException(e);
                sleep(250); // after a kill, the old backends take a moment to exit
            }
        }
        throw last;
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (IllegalStateException ignored) {
            // Stopped or killed by the test already.
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory.
        }
    }

    private void runAsPostgres(String... command) {
        List<String> full = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        run(full, true);
    }

    private void run(List<String> command, boolean mustSucceed) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish");
            }
            if (mustSucceed && p.exitValue() != 0) {
                String log = Files.exists(dir.resolve("server.log")) ? Files.readString(dir.resolve("server.log")) : "";
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): "
                        + new String(out, StandardCharsets.UTF_8) + log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
