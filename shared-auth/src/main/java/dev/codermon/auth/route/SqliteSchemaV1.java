package dev.codermon.auth.route;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Is migration 1 of the SQLite store: the whole schema of the builds before Flyway (their
 * {@code PRAGMA user_version} 7). It is idempotent, so that it also takes over a file such a build made
 * (Flyway baselines it at version 0 first): the tables it lacks are created, and the one change of an
 * existing table (the unix-socket step) is made, keeping every row.
 */
final class SqliteSchemaV1 implements JavaMigration {

    /** The last {@code PRAGMA user_version} of the builds before Flyway. */
    static final int LEGACY_VERSION = 7;

    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("1");
    }

    @Override
    public String getDescription() {
        return "schema of user_version 7";
    }

    @Override
    public Integer getChecksum() {
        return null;
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        create(context.getConnection());
    }

    static void create(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > LEGACY_VERSION) {
                throw new SQLException("store schema version " + version + " is newer than this build ("
                        + LEGACY_VERSION + "); upgrade Codermon");
            }
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
            peopleStep(s);
            presenceStep(s);
            refreshTokenStep(s);
            addSshKeys(s);
            upgrade(s);
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

    /**
     * Schema step 4 (OpenID Connect sign-in): people keyed by their provider's issuer and subject, the
     * console's sessions, and the personal tokens people minted for themselves. Only new tables: older
     * files gain them without any other change.
     */
    private static void peopleStep(Statement s) throws SQLException {
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS users (
                  issuer        TEXT NOT NULL,
                  subject       TEXT NOT NULL,
                  name          TEXT NOT NULL UNIQUE,
                  email         TEXT,
                  role          TEXT NOT NULL,
                  disabled      INTEGER NOT NULL DEFAULT 0,
                  created_at    INTEGER NOT NULL,
                  last_login_at INTEGER NOT NULL,
                  PRIMARY KEY (issuer, subject)
                )""");
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS console_sessions (
                  id_hash    TEXT PRIMARY KEY,
                  user_id    TEXT NOT NULL,
                  role       TEXT NOT NULL,
                  csrf       TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  expires_at INTEGER NOT NULL
                )""");
        s.executeUpdate("CREATE INDEX IF NOT EXISTS console_sessions_user ON console_sessions (user_id)");
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS personal_tokens (
                  token_id   TEXT PRIMARY KEY,
                  user_id    TEXT NOT NULL,
                  name       TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  expires_at INTEGER NOT NULL,
                  revoked_at INTEGER
                )""");
        s.executeUpdate("CREATE INDEX IF NOT EXISTS personal_tokens_user ON personal_tokens (user_id)");
    }

    /**
     * Schema step 5 (why a workspace is alive): what each proxy instance holds open per workspace, keyed by
     * (workspace, proxy instance) so that several proxies each write their own rows, with the time the proxy
     * last refreshed them (the control plane sums only fresh rows). Only a new table.
     */
    private static void presenceStep(Statement s) throws SQLException {
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS workspace_presence (
                  workspace_id TEXT NOT NULL,
                  proxy_id     TEXT NOT NULL,
                  connections  INTEGER NOT NULL,
                  web_sockets  INTEGER NOT NULL,
                  tunnels      INTEGER NOT NULL,
                  updated_at   INTEGER NOT NULL,
                  PRIMARY KEY (workspace_id, proxy_id)
                )""");
        s.executeUpdate("CREATE INDEX IF NOT EXISTS workspace_presence_proxy ON workspace_presence (proxy_id)");
    }

    /**
     * Schema step 6 (provider re-check): the refresh token each signed-in person's provider gave, so that the
     * control plane can ask the provider periodically whether the person may still get in. A table of its
     * own, one row a person: older files gain it without any other change.
     */
    private static void refreshTokenStep(Statement s) throws SQLException {
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS refresh_tokens (
                  user_id    TEXT PRIMARY KEY,
                  token      TEXT NOT NULL,
                  updated_at INTEGER NOT NULL
                )""");
    }

    /**
     * Schema step 7 (SSH keys): the public keys users register for SSH into their workspaces
     * (docs/ssh.md); one user cannot register the same key (fingerprint) twice. A new table only, so an
     * older file needs nothing else.
     */
    private static void addSshKeys(Statement s) throws SQLException {
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS ssh_keys (
                  id          TEXT PRIMARY KEY,
                  user_id     TEXT NOT NULL,
                  name        TEXT NOT NULL,
                  public_key  TEXT NOT NULL,
                  fingerprint TEXT NOT NULL,
                  created_at  INTEGER NOT NULL,
                  UNIQUE (user_id, fingerprint)
                )""");
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
}
