package dev.codermon.auth.route;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Holds workspace records and the routes derived from them, shared by the control plane (the only
 * writer of records) and the proxy (which reads routes and records activity).
 *
 * <p>Every method may block on I/O: the proxy calls it only from its cache loader's executor, never
 * from an event loop. Failures throw {@link RouteStoreException}, which is never "no such route".
 */
public interface RouteStore extends AutoCloseable {

    /** Returns the route for a running workspace with this hostname, or empty if there is none. */
    Optional<Route> findRoute(String hostname);

    /** Records that the workspace had real traffic at the given time (never moves time backwards). */
    void recordActivity(String workspaceId, Instant at);

    /**
     * Inserts a new record.
     *
     * @throws DuplicateWorkspaceException if (user, name) or the hostname is taken
     */
    void insert(WorkspaceRecord record);

    /** Replaces the record with the same id; returns false if there is none. */
    boolean update(WorkspaceRecord record);

    /** Deletes the record; returns false if there was none. */
    boolean delete(String id);

    /** Returns the record with this id. */
    Optional<WorkspaceRecord> find(String id);

    /** Returns the record of this user's workspace with this name. */
    Optional<WorkspaceRecord> findByUserAndName(String user, String name);

    /** Returns this user's records, oldest first. */
    List<WorkspaceRecord> listByUser(String user);

    /** Returns all records, oldest first. */
    List<WorkspaceRecord> listAll();

    /**
     * Marks a one-time token as used. The mark is kept at least until {@code expiresAt} plus
     * {@link dev.codermon.auth.TokenVerifier#MAX_CLOCK_SKEW}, as long as the token can still verify.
     *
     * @return true the first time for this token id, false on every replay
     */
    boolean consumeToken(String tokenId, Instant expiresAt);

    /**
     * Revokes every token and session of the user issued before the given time, and deletes the
     * user's sessions. The proxy refuses them from its next revocation read on.
     */
    void revokeTokens(String user, Instant issuedBefore);

    /** Returns each user's revocation time: tokens and sessions issued before it are refused. */
    java.util.Map<String, Instant> revocations();

    /** Stores a new proxy session. */
    void createSession(ProxySession session);

    /** Returns the session with this id hash, if it exists (expiry is the caller's check). */
    Optional<ProxySession> findSession(String idHash);

    /**
     * Deletes sessions that expired before the given time, and used-token marks whose token expired more
     * than {@link dev.codermon.auth.TokenVerifier#MAX_CLOCK_SKEW} before it (until then the token still
     * verifies, and its mark is what refuses a replay).
     */
    void pruneExpired(Instant now);

    @Override
    void close();
}
