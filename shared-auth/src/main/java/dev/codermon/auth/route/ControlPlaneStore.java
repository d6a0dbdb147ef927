package dev.codermon.auth.route;

import java.time.Instant;

/**
 * Is what the control plane owns in the shared store: the workspace records (and so the routes), token
 * revocations, users' SSH public keys, and the pruning of expired sessions and used-token marks; it reads what the proxies hold open.
 *
 * <p>Every method may block on I/O. Failures throw {@link RouteStoreException}.
 */
public interface ControlPlaneStore extends WorkspaceRecords, TokenRevocations, SshKeyRecords, PresenceReader,
        AutoCloseable {

    /**
     * Deletes sessions that expired before the given time, and used-token marks whose token expired more
     * than {@link dev.codermon.auth.TokenVerifier#MAX_CLOCK_SKEW} before it (until then the token still
     * verifies, and its mark is what refuses a replay), and open counts of proxies that stopped
     * without withdrawing them, an hour after they stopped counting.
     */
    void pruneExpired(Instant now);

    @Override
    void close();
}
