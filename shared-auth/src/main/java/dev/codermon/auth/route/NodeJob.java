package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Objects;

/**
 * Is one piece of work for a node's agent, queued in the store by a control plane (any replica) and taken
 * by the agent of that node only ({@link NodeJobs#takeNext}).
 *
 * @param id          the job's id, growing
 * @param nodeId      the node that must do it
 * @param workspaceId the workspace it is for
 * @param kind        what to do
 * @param argument    what the kind needs (START: the workspace's owner, name and hostname; STOP and PORTS: the
 *                    node's runtime reference), never a secret
 * @param status      where it is
 * @param result      what a DONE job answers (START: socket path and runtime reference; PORTS: the ports,
 *                    comma-separated), or why it FAILED
 * @param createdAt   when it was queued
 */
public record NodeJob(long id, String nodeId, String workspaceId, Kind kind, String argument, Status status,
        String result, Instant createdAt) {

    /** What a job asks of the node. */
    public enum Kind {
        /** Start code-server for the workspace and answer its socket and runtime reference once it is ready. */
        START,
        /** Stop the instance the argument names, keeping the workspace's files. */
        STOP,
        /** Delete everything the node keeps for the workspace (files, container, socket directory). */
        REMOVE,
        /**
         * List the TCP ports something listens on inside the instance the argument names (the workspace's
         * apps), which only its node can see; changes nothing.
         */
        PORTS
    }

    /** Where a job is. */
    public enum Status {
        QUEUED, TAKEN, DONE, FAILED;

        /** Whether the job has ended. */
        public boolean ended() {
            return this == DONE || this == FAILED;
        }
    }

    public NodeJob {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(workspaceId, "workspaceId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
