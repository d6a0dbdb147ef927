package dev.codermon.auth.route;

import dev.codermon.auth.TokenVerifier;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the proxy's sessions, the marks of used one-time tokens and the revocations. A mark is one unique
 * insert (never read-then-write), so a token is consumed once across every process and machine sharing the
 * store. A revocation appends to the change log in its transaction.
 */
final class TokenTables implements SessionStore, TokenRevocations {

    private final Database db;
    private final ChangeLog log;

    TokenTables(Database db, ChangeLog log) {
        this.db = db;
        this.log = log;
    }

    @Override
    public boolean consumeToken(String tokenId, Instant expiresAt) {
        return db.execute("INSERT INTO used_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                ps -> {
                    ps.setString(1, tokenId);
                    ps.setLong(2, expiresAt.toEpochMilli());
                }) == 1;
    }

    @Override
    public void revokeTokens(String user, Instant issuedBefore) {
        db.inTransaction(() -> {
            log.revocation();
            db.execute("INSERT INTO revocations (user_id, revoked_before) VALUES (?, ?) ON CONFLICT (user_id)"
                    + " DO UPDATE SET revoked_before = " + db.greatest() + "(revocations.revoked_before,"
                    + " excluded.revoked_before)", ps -> {
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

    /** Deletes expired sessions and the marks of tokens that can no longer verify (run in a transaction). */
    void prune(Instant now) {
        // A token still verifies for the verifier's clock skew after its expiry: its mark must outlive that.
        db.execute("DELETE FROM used_tokens WHERE expires_at < ?",
                ps -> ps.setLong(1, now.minus(TokenVerifier.MAX_CLOCK_SKEW).toEpochMilli()));
        db.execute("DELETE FROM sessions WHERE expires_at < ?", ps -> ps.setLong(1, now.toEpochMilli()));
        db.execute("DELETE FROM console_sessions WHERE expires_at < ?", ps -> ps.setLong(1, now.toEpochMilli()));
    }
}
