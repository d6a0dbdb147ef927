package dev.codermon.auth.route;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Is the queue of work for nodes' agents and what agents report, kept in the shared store: on PostgreSQL
 * an agent takes its next job with {@code FOR UPDATE SKIP LOCKED}, so two agents (or a restarted one and
 * its predecessor) never take one job twice; nothing home-made arbitrates. Every method may block on I/O;
 * failures throw {@link RouteStoreException}.
 */
public interface NodeJobs {

    /** Queues a job for the node and returns its id. */
    long enqueue(String nodeId, String workspaceId, NodeJob.Kind kind, String argument, Instant at);

    /** Takes the node's oldest queued job (marking it TAKEN), if any. */
    Optional<NodeJob> takeNext(String nodeId, Instant at);

    /** Ends a job: DONE with its result, or FAILED with the reason. */
    void finish(long jobId, boolean done, String resultOrReason, Instant at);

    /** Returns the job with this id. */
    Optional<NodeJob> job(long jobId);

    /**
     * Deletes the job if no agent has taken it yet (one statement: an agent taking it at the same time either
     * took it first or never sees it).
     *
     * @return whether the job was still queued and is gone
     */
    boolean cancelQueued(long jobId);

    /**
     * Records a node agent's heartbeat: creates or updates its node (a node that was lost and reports again
     * is no longer lost) and replaces the set of runtime references that run on it.
     */
    void reportNode(NodeRecord node, Set<String> runningRefs);

    /** Returns the runtime references the node last reported running. */
    Set<String> runningRefs(String nodeId);

    /**
     * Marks lost every node not lost yet whose last heartbeat is older than {@code silentSince}.
     *
     * @return the ids of the nodes marked lost by this call
     */
    List<String> markLostNodes(Instant silentSince);
}
