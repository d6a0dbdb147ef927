package dev.codermon.controlplane.node;

import dev.codermon.auth.route.DuplicateWorkspaceException;
import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeJob;
import dev.codermon.auth.route.NodeJobs;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Keeps workspace records, nodes and node jobs in memory, as the store would (unit tests only). */
final class FakeNodeStore implements NodeJobs, NodeDirectory, WorkspaceRecords {

    private final Map<String, WorkspaceRecord> records = new ConcurrentHashMap<>();
    private final Map<String, NodeRecord> nodes = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> running = new ConcurrentHashMap<>();
    private final Map<Long, NodeJob> jobs = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    @Override
    public synchronized long enqueue(String nodeId, String workspaceId, NodeJob.Kind kind, String argument, Instant at) {
        long id = ids.incrementAndGet();
        jobs.put(id, new NodeJob(id, nodeId, workspaceId, kind, argument, NodeJob.Status.QUEUED, null, at));
        return id;
    }

    @Override
    public synchronized Optional<NodeJob> takeNext(String nodeId, Instant at) {
        Optional<NodeJob> next = jobs.values().stream()
                .filter(j -> j.nodeId().equals(nodeId) && j.status() == NodeJob.Status.QUEUED)
                .min(Comparator.comparingLong(NodeJob::id));
        next.ifPresent(j -> jobs.put(j.id(), with(j, NodeJob.Status.TAKEN, null)));
        return next;
    }

    @Override
    public synchronized void finish(long jobId, boolean done, String resultOrReason, Instant at) {
        jobs.computeIfPresent(jobId, (id, j) -> with(j, done ? NodeJob.Status.DONE : NodeJob.Status.FAILED,
                resultOrReason));
    }

    private static NodeJob with(NodeJob j, NodeJob.Status status, String result) {
        return new NodeJob(j.id(), j.nodeId(), j.workspaceId(), j.kind(), j.argument(), status, result, j.createdAt());
    }

    @Override
    public Optional<NodeJob> job(long jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public synchronized boolean cancelQueued(long jobId) {
        NodeJob job = jobs.get(jobId);
        return job != null && job.status() == NodeJob.Status.QUEUED && jobs.remove(jobId, job);
    }

    List<NodeJob> jobs() {
        return List.copyOf(jobs.values());
    }

    @Override
    public void reportNode(NodeRecord node, Set<String> runningRefs) {
        nodes.put(node.id(), node);
        running.put(node.id(), Set.copyOf(runningRefs));
    }

    @Override
    public Set<String> runningRefs(String nodeId) {
        return running.getOrDefault(nodeId, Set.of());
    }

    @Override
    public synchronized List<String> markLostNodes(Instant silentSince) {
        List<String> lost = new ArrayList<>();
        nodes.replaceAll((id, n) -> {
            if (!n.lost() && n.heartbeatAt().isBefore(silentSince)) {
                lost.add(id);
                return new NodeRecord(n.id(), n.relayAddress(), n.capacity(), n.heartbeatAt(), true,
                        n.relayCertificate());
            }
            return n;
        });
        return lost;
    }

    @Override
    public List<NodeRecord> nodes() {
        return nodes.values().stream().sorted(Comparator.comparing(NodeRecord::id)).toList();
    }

    @Override
    public synchronized void insert(WorkspaceRecord record) {
        if (records.values().stream().anyMatch(r -> r.user().equals(record.user()) && r.name().equals(record.name()))) {
            throw new DuplicateWorkspaceException("duplicate " + record.name(), null);
        }
        records.put(record.id(), record);
    }

    @Override
    public synchronized boolean update(WorkspaceRecord record) {
        return records.replace(record.id(), record) != null;
    }

    /** Runs once, at the next placement, before it counts (another control plane placing meanwhile). */
    volatile Runnable beforeNextPlacement;

    @Override
    public synchronized boolean placeIfRoom(WorkspaceRecord record, int capacity) {
        Runnable before = beforeNextPlacement;
        beforeNextPlacement = null;
        if (before != null) {
            before.run();
        }
        long held = records.values().stream().filter(r -> record.nodeId().equals(r.nodeId()) && !r.id().equals(record.id())
                && (r.state() == dev.codermon.auth.route.WorkspaceState.STARTING
                || r.state() == dev.codermon.auth.route.WorkspaceState.RUNNING)).count();
        return held < capacity && records.replace(record.id(), record) != null;
    }

    @Override
    public synchronized boolean updateIf(WorkspaceRecord record, dev.codermon.auth.route.WorkspaceState expected) {
        WorkspaceRecord now = records.get(record.id());
        return now != null && now.state() == expected && records.replace(record.id(), record) != null;
    }

    @Override
    public boolean delete(String id) {
        return records.remove(id) != null;
    }

    @Override
    public Optional<WorkspaceRecord> find(String id) {
        return Optional.ofNullable(records.get(id));
    }

    @Override
    public Optional<WorkspaceRecord> findByUserAndName(String user, String name) {
        return records.values().stream().filter(r -> r.user().equals(user) && r.name().equals(name)).findFirst();
    }

    @Override
    public Optional<WorkspaceRecord> findByRuntimeRef(String runtimeRef) {
        return records.values().stream().filter(r -> runtimeRef.equals(r.runtimeRef())).findFirst();
    }

    @Override
    public List<WorkspaceRecord> listByUser(String user) {
        return listAll().stream().filter(r -> r.user().equals(user)).toList();
    }

    @Override
    public List<WorkspaceRecord> listAll() {
        return records.values().stream().sorted(Comparator.comparing(WorkspaceRecord::createdAt)).toList();
    }
}
