package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Optional;

/** Keeps the proxy's browser sessions and the marks of one-time tokens already used. */
public interface SessionStore {

    /**
     * Marks a one-time token as used. The mark is kept at least until {@code expiresAt} plus
     * {@link dev.codermon.auth.TokenVerifier#MAX_CLOCK_SKEW}, as long as the token can still verify.
     *
     * @return true the first time for this token id, false on every replay
     */
    boolean consumeToken(String tokenId, Instant expiresAt);

    /** Stores a new proxy session. */
    void createSession(ProxySession session);

    /** Returns the session with this id hash, if it exists (expiry is the caller's check). */
    Optional<ProxySession> findSession(String idHash);
}
