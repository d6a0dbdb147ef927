package dev.codermon.auth.route;

import dev.codermon.auth.TokenVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Keeps the route store in one SQLite file (WAL mode) that the control plane and the proxy open at
 * the same time; SQLite's own file locking arbitrates between the processes.
 *
 * <p>One connection per instance, used by one thread at a time (a JDBC connection is not safe to share
 * concurrently); every statement is short, so the lock is held only for microseconds.
 */
public final class SqliteRouteStore implements RouteStore {

    private static final int SCHEMA_VERSION = 3;
    private static final String COLUMNS = "id, user_id, name, hostname, upstream_socket, state,"
            + " runtime_ref, created_at, last_activity_at";

    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();

    private SqliteRouteStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Opens (creating if needed) the store at this path. */
    public static SqliteRouteStore open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            config.setBusyTimeout(5_000);
            config.enforceForeignKeys(true);
            Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
            SqliteRouteStore store = new SqliteRouteStore(file, c);
            store.migrate();
            return store;
        } catch (Exception e) {
            throw new RouteStoreException("cannot open route store " + file + ": " + e.getMessage(), e);
        }
    }

    private void migrate() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS workspaces (
                      id               TEXT PRIMARY KEY,
                      user_id          TEXT NOT NULL,
                      name             TEXT NOT NULL,
                      hostname         TEXT NOT NULL UNIQUE,
                      upstream_socket  TEXT,
                      state            TEXT NOT NULL,
                      runtime_ref      TEXT,
                      created_at       INTEGER NOT NULL,
                      last_activity_at INTEGER NOT NULL,
                      UNIQUE (user_id, name)
                    )""");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS workspaces_user ON workspaces (user_id)");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS used_tokens (
                      token_id   TEXT PRIMARY KEY,
                      expires_at INTEGER NOT NULL
                    )""");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS revocations (
                      user_id       TEXT PRIMARY KEY,
                      revoked_before INTEGER NOT NULL
                    )""");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS sessions (
                      id_hash    TEXT PRIMARY KEY,
                      user_id    TEXT NOT NULL,
                      hostname   TEXT NOT NULL,
                      created_at INTEGER NOT NULL,
                      expires_at INTEGER NOT NULL
                    )""");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id)");
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException("store schema version " + version + " is newer than this build ("
                        + SCHEMA_VERSION + "); upgrade Codermon");
            }
            if (version < SCHEMA_VERSION) {
                upgrade(s);
                s.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
            }
        }
    }

    /**
     * Brings a store of an older version up to date. Up to version 2 code-server listened on a loopback TCP
     * port (reachable by any local process); from 3 on it listens on a unix socket. A workspace that was
     * running on a TCP port is marked stopped with no route (its files are kept): starting it again gives
     * it a socket.
     */
    private static void upgrade(Statement s) throws SQLException {
        if (!hasColumn(s, "workspaces", "upstream_socket")) {
            s.executeUpdate("ALTER TABLE workspaces ADD COLUMN upstream_socket TEXT");
            s.executeUpdate("UPDATE workspaces SET state = 'STOPPED' WHERE state IN ('STARTING', 'RUNNING', 'STOPPING')");
        }
    }

    private static boolean hasColumn(Statement s, String table, String column) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                if (column.equals(rs.getString("name"))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public Optional<Route> findRoute(String hostname) {
        return queryOne("SELECT " + COLUMNS + " FROM workspaces WHERE hostname = ?", hostname)
                .flatMap(WorkspaceRecord::route);
    }

    @Override
    public void recordActivity(String workspaceId, Instant at) {
        execute("UPDATE workspaces SET last_activity_at = ? WHERE id = ? AND last_activity_at < ?",
                ps -> {
                    ps.setLong(1, at.toEpochMilli());
                    ps.setString(2, workspaceId);
                    ps.setLong(3, at.toEpochMilli());
                });
    }

    @Override
    public void insert(WorkspaceRecord r) {
        try {
            execute("INSERT INTO workspaces (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ps -> bind(ps, r));
        } catch (RouteStoreException e) {
            if (e.getCause() instanceof SQLiteException se
                    && se.getResultCode().code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE.code) {
                throw new DuplicateWorkspaceException("workspace " + r.user() + "/" + r.name()
                        + " or hostname " + r.hostname() + " already exists", se);
            }
            throw e;
        }
    }

    @Override
    public boolean update(WorkspaceRecord r) {
        // last_activity_at is the proxy's to advance: keep whichever is newer.
        return execute("UPDATE workspaces SET user_id = ?, name = ?, hostname = ?, upstream_socket = ?,"
                + " state = ?, runtime_ref = ?, created_at = ?,"
                + " last_activity_at = MAX(last_activity_at, ?) WHERE id = ?", ps -> {
                    bindFields(ps, r, 1);
                    ps.setString(9, r.id());
                }) == 1;
    }

    @Override
    public boolean delete(String id) {
        return execute("DELETE FROM workspaces WHERE id = ?", ps -> ps.setString(1, id)) == 1;
    }

    @Override
    public Optional<WorkspaceRecord> find(String id) {
        return queryOne("SELECT " + COLUMNS + " FROM workspaces WHERE id = ?", id);
    }

    @Override
    public Optional<WorkspaceRecord> findByUserAndName(String user, String name) {
        List<WorkspaceRecord> found = query("SELECT " + COLUMNS + " FROM workspaces WHERE user_id = ? AND name = ?",
                ps -> {
                    ps.setString(1, user);
                    ps.setString(2, name);
                });
        return found.stream().findFirst();
    }

    @Override
    public List<WorkspaceRecord> listByUser(String user) {
        return query("SELECT " + COLUMNS + " FROM workspaces WHERE user_id = ? ORDER BY created_at, id",
                ps -> ps.setString(1, user));
    }

    @Override
    public List<WorkspaceRecord> listAll() {
        return query("SELECT " + COLUMNS + " FROM workspaces ORDER BY created_at, id", ps -> { });
    }

    @Override
    public boolean consumeToken(String tokenId, Instant expiresAt) {
        return execute("INSERT OR IGNORE INTO used_tokens (token_id, expires_at) VALUES (?, ?)", ps -> {
            ps.setString(1, tokenId);
            ps.setLong(2, expiresAt.toEpochMilli());
        }) == 1;
    }

    @Override
    public void revokeTokens(String user, Instant issuedBefore) {
        inTransaction(() -> {
            execute("INSERT INTO revocations (user_id, revoked_before) VALUES (?, ?) ON CONFLICT (user_id)"
                    + " DO UPDATE SET revoked_before = MAX(revoked_before, excluded.revoked_before)", ps -> {
                        ps.setString(1, user);
                        ps.setLong(2, issuedBefore.toEpochMilli());
                    });
            execute("DELETE FROM sessions WHERE user_id = ?", ps -> ps.setString(1, user));
        });
    }

    @Override
    public java.util.Map<String, Instant> revocations() {
        return select("SELECT user_id, revoked_before FROM revocations", ps -> { }, rs -> {
            java.util.Map<String, Instant> out = new java.util.HashMap<>();
            while (rs.next()) {
                out.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
            }
            return out;
        });
    }

    @Override
    public void createSession(ProxySession session) {
        execute("INSERT INTO sessions (id_hash, user_id, hostname, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                ps -> {
                    ps.setString(1, session.idHash());
                    ps.setString(2, session.user());
                    ps.setString(3, session.hostname());
                    ps.setLong(4, session.createdAt().toEpochMilli());
                    ps.setLong(5, session.expiresAt().toEpochMilli());
                });
    }

    @Override
    public Optional<ProxySession> findSession(String idHash) {
        return select("SELECT id_hash, user_id, hostname, created_at, expires_at FROM sessions WHERE id_hash = ?",
                ps -> ps.setString(1, idHash),
                rs -> rs.next() ? Optional.of(new ProxySession(rs.getString(1), rs.getString(2), rs.getString(3),
                        Instant.ofEpochMilli(rs.getLong(4)), Instant.ofEpochMilli(rs.getLong(5)))) : Optional.empty());
    }

    @Override
    public void pruneExpired(Instant now) {
        inTransaction(() -> {
            // A token still verifies for the verifier's clock skew after its expiry: its mark must outlive that.
            execute("DELETE FROM used_tokens WHERE expires_at < ?",
                    ps -> ps.setLong(1, now.minus(TokenVerifier.MAX_CLOCK_SKEW).toEpochMilli()));
            execute("DELETE FROM sessions WHERE expires_at < ?", ps -> ps.setLong(1, now.toEpochMilli()));
        });
    }

    /** Runs the statements atomically; the lock is reentrant, so they may use execute(). */
    private void inTransaction(Runnable statements) {
        lock.lock();
        try {
            connection.setAutoCommit(false);
            try {
                statements.run();
                connection.commit();
            } catch (RuntimeException | SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new RouteStoreException("route store write failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new RouteStoreException("cannot close route store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "SqliteRouteStore[" + file + "]";
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private static void bind(PreparedStatement ps, WorkspaceRecord r) throws SQLException {
        ps.setString(1, r.id());
        bindFields(ps, r, 2);
    }

    /** Binds every column but the id, in {@link #COLUMNS} order, from parameter {@code first} on. */
    private static void bindFields(PreparedStatement ps, WorkspaceRecord r, int first) throws SQLException {
        ps.setString(first, r.user());
        ps.setString(first + 1, r.name());
        ps.setString(first + 2, r.hostname());
        ps.setString(first + 3, r.upstreamSocket());
        ps.setString(first + 4, r.state().name());
        ps.setString(first + 5, r.runtimeRef());
        ps.setLong(first + 6, r.createdAt().toEpochMilli());
        ps.setLong(first + 7, r.lastActivityAt().toEpochMilli());
    }

    private int execute(String sql, Binder binder) {
        lock.lock();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new RouteStoreException("route store write failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private Optional<WorkspaceRecord> queryOne(String sql, String key) {
        return query(sql, ps -> ps.setString(1, key)).stream().findFirst();
    }

    private List<WorkspaceRecord> query(String sql, Binder binder) {
        return select(sql, binder, rs -> {
            List<WorkspaceRecord> out = new ArrayList<>();
            while (rs.next()) {
                out.add(read(rs));
            }
            return out;
        });
    }

    /** Runs a query under the lock and turns its rows into the answer; read failures become RouteStoreException. */
    private <T> T select(String sql, Binder binder, Rows<T> rows) {
        lock.lock();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return rows.read(rs);
            }
        } catch (SQLException e) {
            throw new RouteStoreException("route store read failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private static WorkspaceRecord read(ResultSet rs) throws SQLException {
        return new WorkspaceRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                WorkspaceState.valueOf(rs.getString(6)),
                rs.getString(7),
                Instant.ofEpochMilli(rs.getLong(8)),
                Instant.ofEpochMilli(rs.getLong(9)));
    }
}
