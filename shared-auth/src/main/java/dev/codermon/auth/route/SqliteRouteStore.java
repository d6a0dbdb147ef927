package dev.codermon.auth.route;

import dev.codermon.auth.TokenVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the shared store in one SQLite file (WAL mode) that the control plane and the proxy open at the
 * same time; SQLite's own file locking arbitrates between the processes. Each process holds it as its
 * role's interface: {@link ProxyStore} or {@link ControlPlaneStore}.
 *
 * <p>One connection per instance ({@link SqliteDatabase}); the workspace table has a class of its own
 * ({@link SqliteWorkspaceTable}), and so do people ({@link SqlitePeopleTables}) and open counts
 * ({@link SqlitePresenceTable}); sessions, used-token marks and revocations are here.
 */
public final class SqliteRouteStore implements ProxyStore, ControlPlaneStore {

    /** How long rows of a proxy that was killed are kept after they stopped counting (for a look by hand). */
    private static final Duration STALE_PRESENCE_KEPT = Duration.ofHours(1);

    private final SqliteDatabase db;
    private final SqliteWorkspaceTable workspaces;
    private final SqlitePeopleTables people;
    private final SqlitePresenceTable presence;
    private final SqliteSshKeyTable sshKeys;

    private SqliteRouteStore(SqliteDatabase db) {
        this.db = db;
        this.workspaces = new SqliteWorkspaceTable(db);
        this.people = new SqlitePeopleTables(db);
        this.presence = new SqlitePresenceTable(db);
        this.sshKeys = new SqliteSshKeyTable(db);
    }

    /** Returns the people, console sessions and personal tokens kept in the same file (control plane only). */
    public PeopleStore people() {
        return people;
    }

    /** Opens (creating if needed) the store at this path. */
    public static SqliteRouteStore open(Path file) {
        return new SqliteRouteStore(SqliteDatabase.open(file));
    }

    @Override
    public Optional<Route> findRoute(String hostname) {
        return workspaces.findRoute(hostname);
    }

    @Override
    public void recordActivity(String workspaceId, Instant at) {
        workspaces.recordActivity(workspaceId, at);
    }

    @Override
    public int publishPresence(String proxyId, Map<String, OpenCounts> changed, Instant at) {
        return presence.publishPresence(proxyId, changed, at);
    }

    @Override
    public void withdrawPresence(String proxyId) {
        presence.withdrawPresence(proxyId);
    }

    @Override
    public OpenCounts openCounts(String workspaceId, Instant freshSince) {
        return presence.openCounts(workspaceId, freshSince);
    }

    @Override
    public void insert(WorkspaceRecord record) {
        workspaces.insert(record);
    }

    @Override
    public boolean update(WorkspaceRecord record) {
        return workspaces.update(record);
    }

    @Override
    public boolean delete(String id) {
        return workspaces.delete(id);
    }

    @Override
    public Optional<WorkspaceRecord> find(String id) {
        return workspaces.find(id);
    }

    @Override
    public Optional<WorkspaceRecord> findByUserAndName(String user, String name) {
        return workspaces.findByUserAndName(user, name);
    }

    @Override
    public List<WorkspaceRecord> listByUser(String user) {
        return workspaces.listByUser(user);
    }

    @Override
    public List<WorkspaceRecord> listAll() {
        return workspaces.listAll();
    }

    @Override
    public void insertSshKey(SshKeyRecord key) {
        sshKeys.insertSshKey(key);
    }

    @Override
    public List<SshKeyRecord> sshKeysOf(String user) {
        return sshKeys.sshKeysOf(user);
    }

    @Override
    public boolean deleteSshKey(String user, String id) {
        return sshKeys.deleteSshKey(user, id);
    }

    @Override
    public boolean consumeToken(String tokenId, Instant expiresAt) {
        return db.execute("INSERT OR IGNORE INTO used_tokens (token_id, expires_at) VALUES (?, ?)", ps -> {
            ps.setString(1, tokenId);
            ps.setLong(2, expiresAt.toEpochMilli());
        }) == 1;
    }

    @Override
    public void revokeTokens(String user, Instant issuedBefore) {
        db.inTransaction(() -> {
            db.execute("INSERT INTO revocations (user_id, revoked_before) VALUES (?, ?) ON CONFLICT (user_id)"
                    + " DO UPDATE SET revoked_before = MAX(revoked_before, excluded.revoked_before)", ps -> {
                        ps.setString(1, user);
                        ps.setLong(2, issuedBefore.toEpochMilli());
                    });
            db.execute("DELETE FROM sessions WHERE user_id = ?", ps -> ps.setString(1, user));
            db.execute("DELETE FROM console_sessions WHERE user_id = ?", ps -> ps.setString(1, user));
        });
    }

    @Override
    public Map<String, Instant> revocations() {
        return db.select("SELECT user_id, revoked_before FROM revocations", ps -> { }, rs -> {
            Map<String, Instant> out = new HashMap<>();
            while (rs.next()) {
                out.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
            }
            return out;
        });
    }

    @Override
    public void createSession(ProxySession session) {
        db.execute("INSERT INTO sessions (id_hash, user_id, hostname, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
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
        return db.select("SELECT id_hash, user_id, hostname, created_at, expires_at FROM sessions WHERE id_hash = ?",
                ps -> ps.setString(1, idHash),
                rs -> rs.next() ? Optional.of(new ProxySession(rs.getString(1), rs.getString(2), rs.getString(3),
                        Instant.ofEpochMilli(rs.getLong(4)), Instant.ofEpochMilli(rs.getLong(5)))) : Optional.empty());
    }

    @Override
    public void pruneExpired(Instant now) {
        db.inTransaction(() -> {
            // A token still verifies for the verifier's clock skew after its expiry: its mark must outlive that.
            db.execute("DELETE FROM used_tokens WHERE expires_at < ?",
                    ps -> ps.setLong(1, now.minus(TokenVerifier.MAX_CLOCK_SKEW).toEpochMilli()));
            db.execute("DELETE FROM sessions WHERE expires_at < ?", ps -> ps.setLong(1, now.toEpochMilli()));
            db.execute("DELETE FROM console_sessions WHERE expires_at < ?", ps -> ps.setLong(1, now.toEpochMilli()));
            presence.pruneStale(now.minus(PresenceReader.FRESH_FOR).minus(STALE_PRESENCE_KEPT));
        });
    }

    @Override
    public void close() {
        db.close();
    }

    @Override
    public String toString() {
        return "SqliteRouteStore[" + db.file() + "]";
    }
}
