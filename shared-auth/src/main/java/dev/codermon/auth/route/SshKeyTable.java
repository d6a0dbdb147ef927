package dev.codermon.auth.route;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Keeps the {@code ssh_keys} table (users' SSH public keys). */
final class SshKeyTable implements SshKeyRecords {

    private static final String COLUMNS = "id, user_id, name, public_key, fingerprint, created_at";

    private final Database db;

    SshKeyTable(Database db) {
        this.db = db;
    }

    @Override
    public void insertSshKey(SshKeyRecord k) {
        try {
            db.execute("INSERT INTO ssh_keys (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)", ps -> {
                ps.setString(1, k.id());
                ps.setString(2, k.user());
                ps.setString(3, k.name());
                ps.setString(4, k.publicKey());
                ps.setString(5, k.fingerprint());
                ps.setLong(6, k.createdAt().toEpochMilli());
            });
        } catch (RouteStoreException e) {
            if (e.getCause() instanceof SQLException se && db.isUniqueViolation(se)) {
                throw new DuplicateSshKeyException("key " + k.fingerprint() + " is registered already", se);
            }
            throw e;
        }
    }

    @Override
    public List<SshKeyRecord> sshKeysOf(String user) {
        return db.select("SELECT " + COLUMNS + " FROM ssh_keys WHERE user_id = ? ORDER BY created_at, id",
                ps -> ps.setString(1, user), rs -> {
                    List<SshKeyRecord> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new SshKeyRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), Instant.ofEpochMilli(rs.getLong(6))));
                    }
                    return out;
                });
    }

    @Override
    public Map<String, List<SshKeyRecord>> sshKeysOf(Collection<String> users) {
        Map<String, List<SshKeyRecord>> out = new HashMap<>();
        List<String> asked = List.copyOf(new java.util.LinkedHashSet<>(users));
        asked.forEach(u -> out.put(u, new ArrayList<>()));
        // A few hundred users at most per read: SQLite allows 32766 parameters, PostgreSQL 65535.
        for (int from = 0; from < asked.size(); from += 500) {
            List<String> part = asked.subList(from, Math.min(asked.size(), from + 500));
            String marks = String.join(", ", java.util.Collections.nCopies(part.size(), "?"));
            db.select("SELECT " + COLUMNS + " FROM ssh_keys WHERE user_id IN (" + marks + ")"
                    + " ORDER BY user_id, created_at, id", ps -> {
                        for (int i = 0; i < part.size(); i++) {
                            ps.setString(i + 1, part.get(i));
                        }
                    }, rs -> {
                        while (rs.next()) {
                            out.get(rs.getString(2)).add(new SshKeyRecord(rs.getString(1), rs.getString(2),
                                    rs.getString(3), rs.getString(4), rs.getString(5),
                                    Instant.ofEpochMilli(rs.getLong(6))));
                        }
                        return null;
                    });
        }
        return out;
    }

    @Override
    public boolean deleteSshKey(String user, String id) {
        return db.execute("DELETE FROM ssh_keys WHERE user_id = ? AND id = ?", ps -> {
            ps.setString(1, user);
            ps.setString(2, id);
        }) == 1;
    }

    @Override
    public void putHostKey(String workspaceId, String publicKey) {
        // One statement on both backends (SQLite and PostgreSQL both have ON CONFLICT ... DO UPDATE).
        db.execute("INSERT INTO workspace_host_keys (workspace_id, public_key) VALUES (?, ?)"
                + " ON CONFLICT (workspace_id) DO UPDATE SET public_key = excluded.public_key", ps -> {
                    ps.setString(1, workspaceId);
                    ps.setString(2, publicKey);
                });
    }

    @Override
    public Optional<String> hostKeyOf(String workspaceId) {
        return db.select("SELECT public_key FROM workspace_host_keys WHERE workspace_id = ?",
                ps -> ps.setString(1, workspaceId), rs -> rs.next() ? Optional.of(rs.getString(1)) : Optional.empty());
    }

    @Override
    public boolean deleteHostKey(String workspaceId) {
        return db.execute("DELETE FROM workspace_host_keys WHERE workspace_id = ?",
                ps -> ps.setString(1, workspaceId)) == 1;
    }
}
