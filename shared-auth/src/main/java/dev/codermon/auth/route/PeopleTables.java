package dev.codermon.auth.route;

import dev.codermon.auth.TokenVerifier;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Keeps people, console sessions and personal tokens in the shared store, and their providers' refresh
 * tokens. Revoking a personal token writes a revocation, so it appends to the change log.
 */
final class PeopleTables implements PeopleStore {

    private static final String PERSON_COLUMNS =
            "issuer, subject, name, email, role, disabled, created_at, last_login_at";
    private static final String TOKEN_COLUMNS = "token_id, user_id, name, created_at, expires_at, revoked_at";

    private final Database db;
    private final ChangeLog log;

    PeopleTables(Database db, ChangeLog log) {
        this.db = db;
        this.log = log;
    }

    @Override
    public PersonRecord signIn(String issuer, String subject, String email, String role, Instant at,
            List<String> candidates, Predicate<String> taken) {
        return db.inTransaction(() -> {
            Optional<PersonRecord> known = findPerson(issuer, subject);
            if (known.isPresent()) {
                db.execute("UPDATE users SET email = ?, role = ?, last_login_at = ? WHERE issuer = ? AND subject = ?",
                        ps -> {
                            ps.setString(1, email);
                            ps.setString(2, role);
                            ps.setLong(3, at.toEpochMilli());
                            ps.setString(4, issuer);
                            ps.setString(5, subject);
                        });
                PersonRecord p = known.get();
                return new PersonRecord(issuer, subject, p.name(), email, role, p.disabled(), p.createdAt(), at);
            }
            for (String name : candidates) {
                if (findPerson(name).isPresent() || taken.test(name)) {
                    continue;
                }
                db.execute("INSERT INTO users (" + PERSON_COLUMNS + ") VALUES (?, ?, ?, ?, ?, 0, ?, ?)", ps -> {
                    ps.setString(1, issuer);
                    ps.setString(2, subject);
                    ps.setString(3, name);
                    ps.setString(4, email);
                    ps.setString(5, role);
                    ps.setLong(6, at.toEpochMilli());
                    ps.setLong(7, at.toEpochMilli());
                });
                return new PersonRecord(issuer, subject, name, email, role, false, at, at);
            }
            throw new IllegalStateException("no free user name among " + candidates.size() + " candidates");
        });
    }

    @Override
    public Optional<PersonRecord> findPerson(String name) {
        return db.select("SELECT " + PERSON_COLUMNS + " FROM users WHERE name = ?", ps -> ps.setString(1, name),
                rs -> rs.next() ? Optional.of(person(rs)) : Optional.empty());
    }

    @Override
    public Optional<PersonRecord> findPerson(String issuer, String subject) {
        return db.select("SELECT " + PERSON_COLUMNS + " FROM users WHERE issuer = ? AND subject = ?", ps -> {
            ps.setString(1, issuer);
            ps.setString(2, subject);
        }, rs -> rs.next() ? Optional.of(person(rs)) : Optional.empty());
    }

    @Override
    public void setDisabled(String name, boolean disabled) {
        db.execute("UPDATE users SET disabled = ? WHERE name = ?", ps -> {
            ps.setInt(1, disabled ? 1 : 0);
            ps.setString(2, name);
        });
    }

    @Override
    public void setRefreshToken(String name, String refreshToken, Instant at) {
        if (refreshToken == null) {
            db.execute("DELETE FROM refresh_tokens WHERE user_id = ?", ps -> ps.setString(1, name));
            return;
        }
        db.execute("INSERT INTO refresh_tokens (user_id, token, updated_at) VALUES (?, ?, ?) ON CONFLICT (user_id)"
                + " DO UPDATE SET token = excluded.token, updated_at = excluded.updated_at", ps -> {
                    ps.setString(1, name);
                    ps.setString(2, refreshToken);
                    ps.setLong(3, at.toEpochMilli());
                });
    }

    @Override
    public Map<String, String> refreshTokens() {
        return db.select("SELECT r.user_id, r.token FROM refresh_tokens r JOIN users u ON u.name = r.user_id"
                + " WHERE u.disabled = 0 ORDER BY r.user_id", ps -> { }, rs -> {
                    Map<String, String> out = new LinkedHashMap<>();
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2));
                    }
                    return out;
                });
    }

    @Override
    public void createConsoleSession(ConsoleSession s) {
        db.execute("INSERT INTO console_sessions (id_hash, user_id, role, csrf, created_at, expires_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, s.idHash());
                    ps.setString(2, s.user());
                    ps.setString(3, s.role());
                    ps.setString(4, s.csrf());
                    ps.setLong(5, s.createdAt().toEpochMilli());
                    ps.setLong(6, s.expiresAt().toEpochMilli());
                });
    }

    @Override
    public Optional<ConsoleSession> findConsoleSession(String idHash) {
        return db.select("SELECT id_hash, user_id, role, csrf, created_at, expires_at FROM console_sessions"
                + " WHERE id_hash = ?", ps -> ps.setString(1, idHash),
                rs -> rs.next() ? Optional.of(new ConsoleSession(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6))))
                        : Optional.empty());
    }

    @Override
    public void deleteConsoleSession(String idHash) {
        db.execute("DELETE FROM console_sessions WHERE id_hash = ?", ps -> ps.setString(1, idHash));
    }

    @Override
    public void deleteConsoleSessions(String user) {
        db.execute("DELETE FROM console_sessions WHERE user_id = ?", ps -> ps.setString(1, user));
    }

    @Override
    public void addPersonalToken(PersonalToken t) {
        db.execute("INSERT INTO personal_tokens (" + TOKEN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, NULL)", ps -> {
            ps.setString(1, t.tokenId());
            ps.setString(2, t.user());
            ps.setString(3, t.name());
            ps.setLong(4, t.createdAt().toEpochMilli());
            ps.setLong(5, t.expiresAt().toEpochMilli());
        });
    }

    @Override
    public List<PersonalToken> personalTokens(String user) {
        return db.select("SELECT " + TOKEN_COLUMNS + " FROM personal_tokens WHERE user_id = ?"
                + " ORDER BY created_at DESC", ps -> ps.setString(1, user), rs -> {
                    List<PersonalToken> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(token(rs));
                    }
                    return out;
                });
    }

    @Override
    public Optional<PersonalToken> revokePersonalToken(String user, String tokenId, Instant at) {
        return db.inTransaction(() -> {
            Optional<PersonalToken> found = db.select("SELECT " + TOKEN_COLUMNS + " FROM personal_tokens"
                    + " WHERE token_id = ? AND user_id = ?", ps -> {
                        ps.setString(1, tokenId);
                        ps.setString(2, user);
                    }, rs -> rs.next() ? Optional.of(token(rs)) : Optional.empty());
            if (found.isEmpty()) {
                return found;
            }
            log.revocation();
            db.execute("UPDATE personal_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE token_id = ?", ps -> {
                ps.setLong(1, at.toEpochMilli());
                ps.setString(2, tokenId);
            });
            // Refused until it could no longer verify anyway.
            Instant until = found.get().expiresAt().plus(TokenVerifier.MAX_CLOCK_SKEW).plusSeconds(1);
            db.execute("INSERT INTO revocations (user_id, revoked_before) VALUES (?, ?) ON CONFLICT (user_id)"
                    + " DO UPDATE SET revoked_before = " + db.greatest() + "(revocations.revoked_before,"
                    + " excluded.revoked_before)", ps -> {
                        ps.setString(1, RevocationKeys.token(tokenId));
                        ps.setLong(2, until.toEpochMilli());
                    });
            return found;
        });
    }

    private static PersonRecord person(ResultSet rs) throws SQLException {
        return new PersonRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getInt(6) != 0, Instant.ofEpochMilli(rs.getLong(7)), Instant.ofEpochMilli(rs.getLong(8)));
    }

    private static PersonalToken token(ResultSet rs) throws SQLException {
        long revoked = rs.getLong(6);
        Instant revokedAt = rs.wasNull() ? null : Instant.ofEpochMilli(revoked);
        return new PersonalToken(rs.getString(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)),
                Instant.ofEpochMilli(rs.getLong(5)), revokedAt);
    }
}
