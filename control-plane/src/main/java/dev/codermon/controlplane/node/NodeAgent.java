package dev.codermon.controlplane.node;

import dev.codermon.auth.route.NodeJob;
import dev.codermon.auth.route.NodeJobs;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.controlplane.monitor.HealthCheck;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import dev.codermon.auth.route.SshKeyRecords;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the workspaces of one node: reports a heartbeat with the instances that run and answer here, takes
 * this node's jobs from the store and does them with the node's own runtime (its Docker daemon), and stops
 * instances that no record places on this node. It is the only process that touches this node's runtime
 * and sockets for the cluster.
 */
public final class NodeAgent implements AutoCloseable {

    /** How often the agent reports; the lost-node pass allows several missed reports. */
    public static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(2);
    private static final Duration IDLE_POLL = Duration.ofMillis(200);
    private static final Duration SWEEP_EVERY = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    private final NodeRecord self;
    private final NodeJobs jobs;
    private final WorkspaceRecords records;
    private final WorkspaceRuntime runtime;
    private final HealthCheck health;
    private final Path workspacesDir;
    private final Clock clock;
    /** SSH into this node's workspaces, or null where the runtime runs no SSH servers (local processes). */
    private final NodeSsh ssh;
    private volatile java.util.function.Supplier<String> relayCertificate;
    /** What this agent started (reference to socket): reported before any record names them. */
    private final Map<String, String> started = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, daemon("node-agent-timer"));
    private final ExecutorService workers = Executors.newFixedThreadPool(2, daemon("node-agent-job"));
    private volatile boolean storeFailing;

    /** @param self this node (its id, relay address and capacity; the heartbeat time is filled in) */
    public NodeAgent(NodeRecord self, NodeJobs jobs, WorkspaceRecords records, WorkspaceRuntime runtime,
            HealthCheck health, Path workspacesDir, Clock clock) {
        this(self, jobs, records, runtime, health, workspacesDir, clock, null, null);
    }

    /**
     * @param sshKeys  the store's SSH keys, where the runtime runs SSH servers (Docker); else null
     * @param sshFiles this node's SSH files of its workspaces (the runtime's), with {@code sshKeys}
     */
    public NodeAgent(NodeRecord self, NodeJobs jobs, WorkspaceRecords records, WorkspaceRuntime runtime,
            HealthCheck health, Path workspacesDir, Clock clock, SshKeyRecords sshKeys, WorkspaceSshFiles sshFiles) {
        this.self = self;
        this.jobs = jobs;
        this.records = records;
        this.runtime = runtime;
        this.health = health;
        this.workspacesDir = workspacesDir.toAbsolutePath().normalize();
        this.clock = clock;
        this.ssh = sshKeys == null ? null : new NodeSsh(sshKeys, sshFiles);
        this.relayCertificate = self::relayCertificate;
    }

    /**
     * Publishes, at every heartbeat, the relay certificate fingerprint that the supplier gives (the node's
     * certificate file, read again when it changes) instead of the one in {@code self}.
     */
    public NodeAgent publishing(java.util.function.Supplier<String> relayCertificate) {
        this.relayCertificate = relayCertificate;
        return this;
    }

    /** Reports once, then keeps reporting, taking jobs and sweeping. */
    public void start() {
        heartbeat();
        timers.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT_EVERY.toMillis(), HEARTBEAT_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::sweep, 0, SWEEP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        for (int i = 0; i < 2; i++) {
            workers.submit(this::takeJobs);
        }
        log.info("node agent {} started: relay {}, capacity {}", self.id(), self.relayAddress(), self.capacity());
    }

    /** Reports this node and what runs and answers on it (an instance that does not answer is not reported). */
    void heartbeat() {
        try {
            List<WorkspaceRecord> mine = mine();
            jobs.reportNode(new NodeRecord(self.id(), self.relayAddress(), self.capacity(), clock.instant(), false,
                    relayCertificate.get()), serving(mine));
            if (ssh != null) {
                ssh.sync(mine.stream().map(WorkspaceRecord::user).collect(java.util.stream.Collectors.toSet()));
            }
            storeReadable();
        } catch (RuntimeException e) {
            storeFailed("heartbeat", e);
        }
    }

    private Set<String> serving(List<WorkspaceRecord> mine) {
        Map<String, String> candidates = new HashMap<>(started);
        for (WorkspaceRecord r : mine) {
            if (NodeRefs.isNodeRef(r.runtimeRef()) && r.upstreamSocket() != null) {
                candidates.put(NodeRefs.localOf(r.runtimeRef()), r.upstreamSocket());
            }
        }
        Set<String> refs = ConcurrentHashMap.newKeySet();
        candidates.forEach((ref, socket) -> {
            if (runtime.isAlive(ref) && health.isHealthy(socket)) {
                refs.add(ref);
            } else {
                started.remove(ref);
            }
        });
        return refs;
    }

    private List<WorkspaceRecord> mine() {
        return records.listAll().stream().filter(r -> self.id().equals(r.nodeId())).toList();
    }

    private void takeJobs() {
        while (!Thread.currentThread().isInterrupted()) {
            Optional<NodeJob> job;
            try {
                job = jobs.takeNext(self.id(), clock.instant());
                storeReadable();
            } catch (RuntimeException e) {
                storeFailed("take jobs", e);
                job = Optional.empty();
            }
            if (job.isPresent()) {
                run(job.get());
            } else if (!sleep(IDLE_POLL)) {
                return;
            }
        }
    }

    /** Does one job and records how it ended. */
    void run(NodeJob job) {
        boolean done;
        String answer;
        try {
            answer = switch (job.kind()) {
                case START -> startJob(job);
                case STOP -> {
                    started.remove(job.argument());
                    runtime.stop(job.argument());
                    yield "stopped";
                }
                case REMOVE -> {
                    runtime.remove(job.workspaceId());
                    if (ssh != null) {
                        ssh.removed(job.workspaceId());
                    }
                    yield "removed";
                }
                case PORTS -> JobText.portsResult(runtime.listeningPorts(job.argument()));
            };
            done = true;
            if (job.kind() == NodeJob.Kind.START) {
                heartbeat(); // before the control plane records it RUNNING and asks whether it runs
            }
        } catch (RuntimeStartException | RuntimeException e) {
            done = false;
            answer = e.getMessage() == null ? e.toString() : e.getMessage();
            log.warn("node {}: job {} ({} of workspace {}) failed: {}", self.id(), job.id(), job.kind(),
                    job.workspaceId(), answer);
        }
        try {
            jobs.finish(job.id(), done, answer, clock.instant());
        } catch (RouteStoreException e) {
            log.warn("node {}: cannot record the end of job {}: {}", self.id(), job.id(), e.getMessage());
        }
    }

    private String startJob(NodeJob job) throws RuntimeStartException {
        WorkspaceRecord record = records.find(job.workspaceId()).orElseThrow(
                () -> new IllegalStateException("workspace " + job.workspaceId() + " has no record"));
        if (!self.id().equals(record.nodeId())) {
            throw new IllegalStateException("workspace " + job.workspaceId() + " is placed on node "
                    + record.nodeId() + ", not " + self.id() + ": refused");
        }
        List<String> arg = JobText.parseStart(job.argument());
        Optional<String> sole = runtime.soleUser();
        if (sole.isPresent() && !sole.get().equals(arg.get(0))) {
            // Local processes share this node's OS user and data directory: another user's workspace would
            // read the first one's files.
            throw new IllegalStateException("node " + self.id() + " runs local processes for " + sole.get()
                    + " only, not for " + arg.get(0));
        }
        WorkspaceSpec spec = new WorkspaceSpec(job.workspaceId(), arg.get(0), arg.get(1), arg.get(2),
                WorkspaceSpec.directoryOf(workspacesDir, job.workspaceId()));
        if (ssh != null) {
            ssh.beforeStart(spec.user());
        }
        RuntimeHandle handle = runtime.start(spec);
        started.put(handle.runtimeRef(), handle.socketPath());
        if (ssh != null) {
            ssh.started(spec.id());
        }
        log.info("node {}: workspace {} ({}/{}) started as {}", self.id(), spec.id(), spec.user(), spec.name(),
                handle.runtimeRef());
        return JobText.startResult(handle);
    }

    /** Stops instances no record places here (deleted, re-placed, or started after the control plane's wait). */
    void sweep() {
        try {
            runtime.managedInstances().ifPresent(instances -> {
                for (WorkspaceRuntime.Instance i : instances) {
                    Optional<WorkspaceRecord> r = records.find(i.workspaceId());
                    boolean accounted = r.isPresent() && self.id().equals(r.get().nodeId())
                            && (r.get().state().isChanging()
                            || NodeRefs.of(self.id(), i.runtimeRef()).equals(r.get().runtimeRef()));
                    if (!accounted && runtime.isAlive(i.runtimeRef())) {
                        log.warn("node {}: instance {} of workspace {} is not placed here by the store ({}); stopping"
                                + " it, its files are kept", self.id(), i.runtimeRef(), i.workspaceId(),
                                r.map(x -> "on node " + x.nodeId() + ", " + x.state()).orElse("no record"));
                        runtime.stop(i.runtimeRef());
                    }
                }
            });
        } catch (RuntimeException e) {
            storeFailed("sweep", e);
        }
    }

    private void storeReadable() {
        if (storeFailing) {
            storeFailing = false;
            log.info("node {}: store reachable again", self.id());
        }
    }

    private void storeFailed(String what, RuntimeException e) {
        if (!storeFailing) {
            storeFailing = true;
            log.warn("node {}: {} failed; running workspaces keep running: {}", self.id(), what, e.getMessage());
        }
    }

    private static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops reporting and taking jobs; workspaces keep running. */
    @Override
    public void close() {
        timers.shutdownNow();
        workers.shutdownNow();
    }
}
