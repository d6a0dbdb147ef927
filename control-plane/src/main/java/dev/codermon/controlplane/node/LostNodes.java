package dev.codermon.controlplane.node;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeJobs;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks lost the nodes that stopped reporting, and their workspaces LOST with no route, so that no proxy
 * keeps sending people to a node that may be gone. The leader runs it once per monitor pass. A lost
 * workspace keeps its node (its files are there): it can start again once that node reports again.
 */
public final class LostNodes implements Runnable {

    /** How long a node may stay silent before it is lost: seven missed heartbeats. */
    public static final Duration LOST_AFTER = NodeAgent.HEARTBEAT_EVERY.multipliedBy(15).dividedBy(2);
    /** How often the leader looks for silent nodes. */
    public static final Duration CHECK_EVERY = NodeAgent.HEARTBEAT_EVERY;
    private static final Logger log = LoggerFactory.getLogger(LostNodes.class);

    private final NodeJobs jobs;
    private final NodeDirectory nodes;
    private final WorkspaceRecords records;
    private final Duration lostAfter;
    private final Clock clock;
    /**
     * Since when this leader has read the store without a failure: agents cannot report while the store is
     * down (or before this process led the job), so silence only counts from then on.
     */
    private Instant storeSeenSince;
    /** When the last pass ran; a gap (not leading, or the store down so that leadership lapsed) restarts the count. */
    private Instant lastPass;

    /** @param lostAfter how long a node may stay silent before it is lost (several heartbeats) */
    public LostNodes(NodeJobs jobs, NodeDirectory nodes, WorkspaceRecords records, Duration lostAfter, Clock clock) {
        if (lostAfter.compareTo(NodeAgent.HEARTBEAT_EVERY.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("a node may only be lost after at least three missed heartbeats ("
                    + NodeAgent.HEARTBEAT_EVERY.multipliedBy(3).toSeconds() + " s), was " + lostAfter);
        }
        this.jobs = jobs;
        this.nodes = nodes;
        this.records = records;
        this.lostAfter = lostAfter;
        this.clock = clock;
    }

    @Override
    public void run() {
        Instant now = clock.instant();
        if (storeSeenSince == null || lastPass == null || now.isAfter(lastPass.plus(CHECK_EVERY.multipliedBy(3)))) {
            storeSeenSince = now;
        }
        lastPass = now;
        try {
            check(now);
        } catch (RuntimeException e) {
            storeSeenSince = null;
            throw e;
        }
    }

    private void check(Instant now) {
        nodes.nodes(); // a read first: a store that just came back counts from this pass on
        if (now.isBefore(storeSeenSince.plus(lostAfter))) {
            // After a store outage (or a new leader) every node gets the full time to report again.
            return;
        }
        for (String node : jobs.markLostNodes(now.minus(lostAfter))) {
            log.warn("node {} has not reported for {} s: marked lost, its workspaces lose their routes", node,
                    lostAfter.toSeconds());
        }
        // Every pass, not only when a node was just marked: a pass that died halfway is finished by the next.
        Set<String> lost = nodes.nodes().stream().filter(NodeRecord::lost).map(NodeRecord::id)
                .collect(Collectors.toSet());
        if (lost.isEmpty()) {
            return;
        }
        for (WorkspaceRecord r : records.listAll()) {
            boolean placed = r.state() == WorkspaceState.RUNNING || r.state() == WorkspaceState.STARTING
                    || r.state() == WorkspaceState.STOPPING;
            if (placed && lost.contains(r.nodeId())) {
                records.update(r.withUpstream(null, null).withState(WorkspaceState.LOST));
                log.warn("workspace {} ({}/{}) marked LOST: {}", r.id(), r.user(), r.name(), reason(r.nodeId()));
            }
        }
    }

    /** Says why a workspace is LOST, for the API and the console. */
    public static String reason(String nodeId) {
        return "its node " + nodeId + " stopped reporting; its files are on that node and it can start again"
                + " once the node is back";
    }
}
