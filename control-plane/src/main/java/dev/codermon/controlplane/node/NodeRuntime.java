package dev.codermon.controlplane.node;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeJob;
import dev.codermon.auth.route.NodeJobs;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.RuntimeUnavailableException;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs workspaces on the cluster's nodes instead of this machine: it places a workspace on a live node
 * with room, queues the work for that node's agent in the store and waits for the agent's answer. Any
 * control plane replica can do this; only the node's agent touches the node's Docker daemon and sockets.
 *
 * <p>Whether an instance runs is what its node last reported; a node that stopped reporting cannot tell,
 * which is not "gone" (the monitor then leaves the workspace alone and the lost-node pass marks it).
 */
public final class NodeRuntime implements WorkspaceRuntime {

    private static final Logger log = LoggerFactory.getLogger(NodeRuntime.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);
    /**
     * How long a start waits for a node that is silent but not lost to report again when no live node has
     * room: after a store outage every node is silent until its next heartbeat gets through (a few seconds:
     * its pool reconnects with a backoff), and a create then would otherwise fail for a node that is fine.
     */
    public static final Duration SILENT_WAIT = Placement.FRESH_FOR;
    /** How often a create picks again when other control planes keep taking the node's last slot first. */
    private static final int PLACE_ATTEMPTS = 5;
    /** How long a listing of a workspace's ports waits for its node's agent. */
    public static final Duration PORTS_WAIT = Duration.ofSeconds(10);
    /** How often a start waiting for a silent node reads the nodes again. */
    private static final Duration SILENT_POLL = Duration.ofMillis(200);

    private final NodeJobs jobs;
    private final NodeDirectory nodes;
    private final WorkspaceRecords records;
    private final Duration startWait;
    private final Duration silentWait;
    private final Duration portsWait;
    private final Clock clock;

    /**
     * @param startWait how long a start waits for the node's agent: its ready timeout and some time to take
     *                  the job
     */
    public NodeRuntime(NodeJobs jobs, NodeDirectory nodes, WorkspaceRecords records, Duration startWait,
            Clock clock) {
        this(jobs, nodes, records, startWait, SILENT_WAIT, clock);
    }

    /** @param silentWait see {@link #SILENT_WAIT} */
    NodeRuntime(NodeJobs jobs, NodeDirectory nodes, WorkspaceRecords records, Duration startWait,
            Duration silentWait, Clock clock) {
        this(jobs, nodes, records, startWait, silentWait, PORTS_WAIT, clock);
    }

    /** @param portsWait see {@link #PORTS_WAIT} */
    NodeRuntime(NodeJobs jobs, NodeDirectory nodes, WorkspaceRecords records, Duration startWait,
            Duration silentWait, Duration portsWait, Clock clock) {
        this.jobs = jobs;
        this.nodes = nodes;
        this.records = records;
        this.startWait = startWait;
        this.silentWait = silentWait;
        this.portsWait = portsWait;
        this.clock = clock;
    }

    @Override
    public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
        WorkspaceRecord record = records.find(spec.id())
                .orElseThrow(() -> new RuntimeStartException("workspace " + spec.id() + " is gone"));
        NodeRecord node = placeOnNode(record);
        Instant now = clock.instant();
        long id = jobs.enqueue(node.id(), spec.id(), NodeJob.Kind.START,
                JobText.startArgument(spec.user(), spec.name(), spec.hostname()), now);
        log.info("workspace {} ({}/{}) placed on node {} (job {})", spec.id(), spec.user(), spec.name(), node.id(), id);
        NodeJob done = await(id, startWait);
        if (done.status() != NodeJob.Status.DONE) {
            throw new RuntimeStartException("node " + node.id() + " could not start it: " + done.result());
        }
        List<String> result = JobText.parseStartResult(done.result());
        return new RuntimeHandle(result.get(0), NodeRefs.of(node.id(), result.get(1)), node.id());
    }

    /**
     * Picks a node and writes the record placed on it, only while the node still has room (another control
     * plane may have taken its last slot since the counts were read: then it picks again with fresh counts).
     * The node is written before the job, so that its agent sees the workspace placed on itself.
     */
    private NodeRecord placeOnNode(WorkspaceRecord record) throws RuntimeStartException {
        for (int attempt = 1; ; attempt++) {
            NodeRecord node = place(record);
            if (records.placeIfRoom(record.onNode(node.id()), node.capacity())) {
                return node;
            }
            if (records.find(record.id()).isEmpty()) {
                throw new RuntimeStartException("workspace " + record.id() + " is gone");
            }
            if (attempt == PLACE_ATTEMPTS) {
                throw new RuntimeStartException("node " + node.id() + " filled up while placing; try again");
            }
            log.info("node {} filled up while placing workspace {}; picking again", node.id(), record.id());
        }
    }

    /**
     * Picks the node for the workspace; when none is live with room but a node with room is only silent
     * (not lost), asks again until one reports or {@link #silentWait} has passed.
     */
    private NodeRecord place(WorkspaceRecord record) throws RuntimeStartException {
        long deadline = System.nanoTime() + silentWait.toNanos();
        while (true) {
            Instant now = clock.instant();
            // A workspace that ran before has its files on its node: it starts there again or not at all.
            List<NodeRecord> known = record.nodeId() == null ? nodes.nodes()
                    : nodes.nodes().stream().filter(n -> n.id().equals(record.nodeId())).toList();
            Map<String, Integer> placed = placedCounts(record.id());
            Optional<NodeRecord> node = Placement.pick(known, placed, now);
            if (node.isPresent()) {
                return node.get();
            }
            if (!Placement.anySilentWithRoom(known, placed, now) || System.nanoTime() >= deadline) {
                throw new RuntimeStartException(record.nodeId() == null ? Placement.whyNone(known, placed, now)
                        : "its files are on node " + record.nodeId() + ", which cannot take it now: "
                        + Placement.whyNone(known, placed, now));
            }
            try {
                Thread.sleep(SILENT_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeStartException("interrupted while waiting for a node to report");
            }
        }
    }

    @Override
    public void stop(String runtimeRef) {
        if (!NodeRefs.isNodeRef(runtimeRef)) {
            return;
        }
        String node = NodeRefs.nodeOf(runtimeRef).orElseThrow();
        if (!isLive(node)) {
            log.warn("not stopping {}: node {} is not reporting; it stops what no record accounts for when it is"
                    + " back", runtimeRef, node);
            return;
        }
        finishOrThrow(jobs.enqueue(node, workspaceOf(runtimeRef), NodeJob.Kind.STOP, NodeRefs.localOf(runtimeRef),
                clock.instant()), "stop " + runtimeRef);
    }

    @Override
    public boolean isAlive(String runtimeRef) {
        if (!NodeRefs.isNodeRef(runtimeRef)) {
            return false;
        }
        String node = NodeRefs.nodeOf(runtimeRef).orElseThrow();
        if (!isLive(node)) {
            throw new IllegalStateException("node " + node + " is not reporting, so whether " + runtimeRef
                    + " runs is unknown");
        }
        return jobs.runningRefs(node).contains(NodeRefs.localOf(runtimeRef));
    }

    /**
     * Asks the instance's node (only it can look inside) which ports listen there, and waits for the answer
     * at most {@link #PORTS_WAIT}: the agent does its jobs one after the other, so a start on that node
     * comes first.
     */
    @Override
    public List<Integer> listeningPorts(String runtimeRef) {
        if (!NodeRefs.isNodeRef(runtimeRef)) {
            return List.of();
        }
        String node = NodeRefs.nodeOf(runtimeRef).orElseThrow();
        if (!isLive(node)) {
            throw new RuntimeUnavailableException("node " + node + " is not reporting, so the workspace's apps"
                    + " cannot be listed now");
        }
        long id = jobs.enqueue(node, workspaceOf(runtimeRef), NodeJob.Kind.PORTS, NodeRefs.localOf(runtimeRef),
                clock.instant());
        NodeJob job = await(id, portsWait);
        if (job.status() != NodeJob.Status.DONE) {
            // Nobody waits for the answer any more: a job still queued is taken out, so that an agent that
            // cannot do it (an older build that knows no PORTS jobs) is not held up by it.
            jobs.cancelQueued(id);
            throw new RuntimeUnavailableException("node " + node + " could not list the workspace's apps: "
                    + job.result());
        }
        return JobText.parsePortsResult(job.result());
    }

    @Override
    public void remove(String workspaceId) {
        Optional<String> node = records.find(workspaceId).map(WorkspaceRecord::nodeId);
        if (node.isEmpty()) {
            return;
        }
        if (!isLive(node.get())) {
            log.warn("workspace {}'s files stay on node {}, which is not reporting", workspaceId, node.get());
            return;
        }
        finishOrThrow(jobs.enqueue(node.get(), workspaceId, NodeJob.Kind.REMOVE, "", clock.instant()),
                "remove workspace " + workspaceId);
    }

    @Override
    public boolean recognizes(String runtimeRef) {
        return NodeRefs.isNodeRef(runtimeRef);
    }

    @Override
    public String toString() {
        return "NodeRuntime[workspaces on the cluster's nodes]";
    }

    private boolean isLive(String nodeId) {
        Instant now = clock.instant();
        return nodes.nodes().stream().anyMatch(n -> n.id().equals(nodeId) && Placement.isLive(n, now));
    }

    private Map<String, Integer> placedCounts(String except) {
        Map<String, Integer> placed = new HashMap<>();
        for (WorkspaceRecord r : records.listAll()) {
            boolean holds = r.state() == WorkspaceState.RUNNING || r.state() == WorkspaceState.STARTING;
            if (holds && r.nodeId() != null && !r.id().equals(except)) {
                placed.merge(r.nodeId(), 1, Integer::sum);
            }
        }
        return placed;
    }

    private String workspaceOf(String runtimeRef) {
        return records.findByRuntimeRef(runtimeRef).map(WorkspaceRecord::id).orElse("unknown");
    }

    private void finishOrThrow(long jobId, String what) {
        NodeJob job = await(jobId, STOP_WAIT);
        if (job.status() != NodeJob.Status.DONE) {
            throw new IllegalStateException("node " + job.nodeId() + " could not " + what + ": " + job.result());
        }
    }

    private NodeJob await(long jobId, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            NodeJob job = jobs.job(jobId).orElseThrow(() -> new IllegalStateException("job " + jobId + " vanished"));
            if (job.status().ended()) {
                return job;
            }
            if (System.nanoTime() > deadline) {
                return new NodeJob(job.id(), job.nodeId(), job.workspaceId(), job.kind(), job.argument(),
                        NodeJob.Status.FAILED, "its agent did not finish job " + jobId + " within "
                        + wait.toSeconds() + " s (" + job.status().name().toLowerCase() + ")", job.createdAt());
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for job " + jobId, e);
            }
        }
    }
}
