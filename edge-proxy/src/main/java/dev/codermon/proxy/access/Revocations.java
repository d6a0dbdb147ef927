package dev.codermon.proxy.access;

import dev.codermon.auth.route.RevocationKeys;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Remembers each user's revocation time as last read from the store: tokens issued and sessions
 * opened before it are refused. Read on event loops, replaced by the watcher; a failed store read
 * leaves the last known times in place, so nothing is ever un-revoked by an outage. Thread-safe.
 */
public final class Revocations {

    private volatile Map<String, Instant> revokedBefore = Map.of();
    /**
     * One-token revocations by token id, apart from the users' so that a request's check builds no key (a
     * principal's token id is the same string each time, its hash cached); usually empty.
     */
    private volatile Map<String, Instant> tokensRevokedBefore = Map.of();

    /** Returns whether a credential of the user issued at the given time has been revoked. */
    public boolean isRevoked(String user, Instant issuedAt) {
        Instant before = revokedBefore.get(user);
        return before != null && issuedAt.isBefore(before);
    }

    /**
     * Returns whether a token has been revoked: its user's credentials issued before the user's revocation
     * time, or this one token by its id (a person revoked one personal token).
     */
    public boolean isRevoked(String user, String tokenId, Instant issuedAt) {
        if (isRevoked(user, issuedAt)) {
            return true;
        }
        Map<String, Instant> tokens = tokensRevokedBefore;
        Instant before = tokenId == null || tokens.isEmpty() ? null : tokens.get(tokenId);
        return before != null && issuedAt.isBefore(before);
    }

    /** Replaces the known revocation times with a fresh read of the store. */
    public void update(Map<String, Instant> fromStore) {
        Map<String, Instant> users = new HashMap<>();
        Map<String, Instant> tokens = new HashMap<>();
        fromStore.forEach((key, time) -> {
            String tokenId = RevocationKeys.tokenIdOf(key);
            if (tokenId == null) {
                users.put(key, time);
            } else {
                tokens.put(tokenId, time);
            }
        });
        revokedBefore = Map.copyOf(users);
        tokensRevokedBefore = Map.copyOf(tokens);
    }
}
