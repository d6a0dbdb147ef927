package dev.codermon.auth.route;

import dev.codermon.auth.CodermonHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Says which store to open: the embedded SQLite file, or a PostgreSQL server shared by several machines.
 * Read from the environment ({@link #fromEnv}); the password never appears in {@link #toString()} nor in
 * any message.
 */
public final class StoreSettings {

    public static final String STORE = "CODERMON_STORE";
    public static final String URL = "CODERMON_DATABASE_URL";
    public static final String USER = "CODERMON_DATABASE_USER";
    public static final String PASSWORD_FILE = "CODERMON_DATABASE_PASSWORD_FILE";
    public static final String PASSWORD = "CODERMON_DATABASE_PASSWORD";

    /** The two backends. */
    public enum Backend { SQLITE, POSTGRES }

    private final Backend backend;
    private final Path sqliteFile;
    private final String url;
    private final String user;
    private final String password;

    private StoreSettings(Backend backend, Path sqliteFile, String url, String user, String password) {
        this.backend = backend;
        this.sqliteFile = sqliteFile;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** The embedded store in this file. */
    public static StoreSettings sqlite(Path file) {
        return new StoreSettings(Backend.SQLITE, Objects.requireNonNull(file, "file"), null, null, null);
    }

    /**
     * A PostgreSQL store.
     *
     * @param url      {@code jdbc:postgresql://host:port/database}
     * @param password null for none (a server that trusts the user)
     * @throws IllegalArgumentException if the URL is not a PostgreSQL one or carries a password
     */
    public static StoreSettings postgres(String url, String user, String password) {
        if (url == null || !url.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(URL + " must look like jdbc:postgresql://host:port/database, not "
                    + (url == null ? "nothing" : "'" + redactedUrl(url) + "'"));
        }
        if (url.toLowerCase(Locale.ROOT).contains("password=")) {
            throw new IllegalArgumentException(URL + " must not carry the password: put it in "
                    + PASSWORD_FILE + " (or " + PASSWORD + ")");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("a PostgreSQL store needs " + USER);
        }
        return new StoreSettings(Backend.POSTGRES, null, url, user, password);
    }

    /**
     * Reads {@code CODERMON_STORE} (sqlite, the default: the file in the data directory; or postgres),
     * {@code CODERMON_DATABASE_URL}, {@code CODERMON_DATABASE_USER} and the password from
     * {@code CODERMON_DATABASE_PASSWORD_FILE} (preferred) or {@code CODERMON_DATABASE_PASSWORD}.
     *
     * @throws IllegalArgumentException with a message fit to show to the operator
     */
    public static StoreSettings fromEnv(Map<String, String> env, CodermonHome home) {
        String kind = env.getOrDefault(STORE, "").trim().toLowerCase(Locale.ROOT);
        switch (kind) {
            case "", "sqlite":
                return sqlite(home.routeStoreFile());
            case "postgres", "postgresql":
                String url = env.get(URL);
                if (url == null || url.isBlank()) {
                    throw new IllegalArgumentException(STORE + "=postgres needs " + URL
                            + " (jdbc:postgresql://host:port/database)");
                }
                return postgres(url.trim(), env.getOrDefault(USER, "").trim(), password(env));
            default:
                throw new IllegalArgumentException(STORE + " must be sqlite or postgres, not '"
                        + env.get(STORE) + "'");
        }
    }

    private static String password(Map<String, String> env) {
        String file = env.get(PASSWORD_FILE);
        if (file != null && !file.isBlank()) {
            try {
                return Files.readString(Path.of(file.trim()), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + PASSWORD_FILE + " " + file.trim() + ": "
                        + e.getClass().getSimpleName(), e);
            }
        }
        String value = env.get(PASSWORD);
        return value == null || value.isEmpty() ? null : value;
    }

    public Backend backend() {
        return backend;
    }

    /** Returns the SQLite file, or null for PostgreSQL. */
    public Path sqliteFile() {
        return sqliteFile;
    }

    /** Returns the JDBC URL, or null for SQLite. */
    public String url() {
        return url;
    }

    /** Returns the database user, or null for SQLite. */
    public String user() {
        return user;
    }

    String password() {
        return password;
    }

    /** Returns where the store is, for messages: the file, or host:port/database. */
    public String where() {
        return backend == Backend.SQLITE ? sqliteFile.toString() : redactedUrl(url.substring("jdbc:postgresql://".length()));
    }

    private static String redactedUrl(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    @Override
    public String toString() {
        return backend == Backend.SQLITE ? "sqlite " + sqliteFile
                : "postgres " + where() + " as " + user + (password == null ? " (no password)" : " (password set)");
    }
}
