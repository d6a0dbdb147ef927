package dev.codermon.auth.route;

import java.util.List;
import java.util.Optional;

/**
 * Holds workspace records, from which the routes are derived; the control plane is their only writer
 * (the proxy only advances activity, through {@link ActivityWriter}).
 */
public interface WorkspaceRecords {

    /**
     * Inserts a new record.
     *
     * @throws DuplicateWorkspaceException if (user, name) or the hostname is taken
     */
    void insert(WorkspaceRecord record);

    /** Replaces the record with the same id, keeping the newer activity time; returns false if there is none. */
    boolean update(WorkspaceRecord record);

    /**
     * Replaces the record with the same id only if its stored state is still {@code expected}, in one
     * statement: of several control planes changing one workspace from the state they read, exactly one
     * succeeds. Returns whether it did.
     */
    boolean updateIf(WorkspaceRecord record, WorkspaceState expected);

    /**
     * Replaces the record, which names the node it is placed on, only if that node holds fewer than
     * {@code capacity} other STARTING or RUNNING workspaces; serialized with every other change of the
     * records, so that of several control planes placing on a node's last free slot exactly one succeeds.
     * Returns whether it did (false also if there is no such record).
     */
    boolean placeIfRoom(WorkspaceRecord record, int capacity);

    /** Deletes the record; returns false if there was none. */
    boolean delete(String id);

    /** Returns the record with this id. */
    Optional<WorkspaceRecord> find(String id);

    /** Returns the record of this user's workspace with this name. */
    Optional<WorkspaceRecord> findByUserAndName(String user, String name);

    /**
     * Returns the record whose runtime reference is this one (the oldest, should two name it), without
     * reading the others.
     */
    Optional<WorkspaceRecord> findByRuntimeRef(String runtimeRef);

    /** Returns this user's records, oldest first. */
    List<WorkspaceRecord> listByUser(String user);

    /** Returns all records, oldest first. */
    List<WorkspaceRecord> listAll();
}
