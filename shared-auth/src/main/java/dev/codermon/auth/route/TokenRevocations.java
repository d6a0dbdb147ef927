package dev.codermon.auth.route;

import java.time.Instant;

/** Revokes a user's tokens and sessions (the control plane). */
public interface TokenRevocations extends RevocationReader {

    /**
     * Revokes every token and session of the user issued before the given time, and deletes the
     * user's sessions. The proxy refuses them from its next revocation read on.
     */
    void revokeTokens(String user, Instant issuedBefore);
}
