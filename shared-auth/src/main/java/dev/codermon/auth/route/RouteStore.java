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

    @Override
    void close();
}
