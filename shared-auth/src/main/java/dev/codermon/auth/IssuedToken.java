package dev.codermon.auth;

import java.time.Instant;

/** Carries a freshly signed token with the facts a caller may want to show about it. */
public record IssuedToken(String token, String user, String tokenId, Instant issuedAt, Instant expiresAt) {

    @Override
    public String toString() {
        // Never let a token reach a log line through toString().
        return "IssuedToken[user=" + user + ", tokenId=" + tokenId + ", expiresAt=" + expiresAt + "]";
    }
}
