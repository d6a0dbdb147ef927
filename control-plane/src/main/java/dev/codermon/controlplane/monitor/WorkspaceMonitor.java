package dev.codermon.controlplane.monitor;

import dev.codermon.auth.DurationText;
import dev.codermon.auth.route.ControlPlaneStore;
import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.workspace.WorkspaceService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every workspace from one scheduler thread: dead ones lose their route (and are marked FAILED
 * or restarted), idle ones are stopped with their files kept, interrupted starts and stops are settled,
 * instances no record accounts for are stopped, and expired single-use marks and sessions are pruned.
 *
 * <p>Passes never overlap (fixed delay, and a guard for direct calls). One workspace failing to be
 * checked is logged and does not stop the pass. A workspace a request is changing right now is skipped
 * until the next pass. With several control planes only the one that leads a job ({@link ClusterJobs})
 * runs it, asked before every pass. While the store cannot be reached passes are skipped: nothing is
 * marked dead or stopped for a store error, and the next pass after it answers again catches up.
 */
public final class WorkspaceMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceMonitor.class);

    /** A process that is alive but fails this many health probes in a row counts as dead. */
    static final int FAILED_PROBES_BEFORE_DEAD = 2;

    /**
     * Counts what one pass did.
     *
     * @param running   RUNNING workspaces looked at
     * @param reaped    idle workspaces stopped
     * @param dead      dead workspaces whose route was taken away
     * @param restarted dead workspaces started again
     * @param settled   interrupted starts or stops settled by the reconcile
     * @param orphans   instances without a record that were stopped
     * @param failures  workspaces whose check failed (logged; retried next pass)
     */
    public record PassResult(int running, int reaped, int dead, int restarted, int settled, int orphans,
            int failures) {
    }

    private final ControlPlaneStore store;
    private final WorkspaceRuntime runtime;
    private final WorkspaceService workspaces;
    private final Reconciler reconciler;
    private final HealthCheck health;
    private final MonitorSettings settings;
    private final Clock clock;
    private final MonitorThread thread = new MonitorThread();
    private final AtomicBoolean passing = new AtomicBoolean();
    private final Map<String, Integer> failedProbes = new ConcurrentHashMap<>();
    private final ClusterJobs jobs;
    private final UnfinishedChanges unfinished;
    private final StoreOutage outage = new StoreOutage("monitor passes");
    private final IdleAndDead takedowns;

    /** Creates the monitor of the only control plane. */
    public WorkspaceMonitor(ControlPlaneStore store, WorkspaceRuntime runtime, WorkspaceService workspaces,
            Reconciler reconciler, HealthCheck health, MonitorSettings settings, Clock clock) {
        this(store, runtime, workspaces, reconciler, health, settings, clock, ClusterJobs.alone("local"));
    }

    /** Creates the monitor of one of several control planes: it passes only while it leads {@code jobs}. */
    public WorkspaceMonitor(ControlPlaneStore store, WorkspaceRuntime runtime, WorkspaceService workspaces,
            Reconciler reconciler, HealthCheck health, MonitorSettings settings, Clock clock, ClusterJobs jobs) {
        this.jobs = jobs;
        this.unfinished = new UnfinishedChanges(jobs.othersChangeGrace());
        this.store = store;
        this.runtime = runtime;
        this.workspaces = workspaces;
        this.reconciler = reconciler;
        this.health = health;
        this.settings = settings;
        this.clock = clock;
        this.takedowns = new IdleAndDead(workspaces, settings);
    }

    /** Starts passing every interval, the first one interval from now. */
    public void start() {
        thread.every(settings.interval(), "monitor pass", this::pass);
        log.info("monitor started: every {}, idle timeout {}, dead policy {}", DurationText.format(settings.interval()),
                DurationText.format(settings.idleTimeout()), settings.deadPolicy());
    }

    /**
     * Runs another periodic task on the monitor's one thread, never beside a pass, and only while this
     * control plane leads the job (once cluster-wide).
     */
    public void every(Duration interval, String what, String job, Runnable task) {
        jobs.runs(job);
        thread.every(interval, what, () -> {
            if (jobs.leads(job)) {
                task.run();
            }
        });
    }

    /**
     * Runs one pass now.
     *
     * @return what it did, or null if it did not pass: a pass was already running (passes never overlap),
     *         another control plane leads the monitor, or the store could not be reached
     */
    public PassResult pass() {
        if (!passing.compareAndSet(false, true)) {
            return null;
        }
        try {
            if (!jobs.leads(ClusterJobs.MONITOR)) {
                // What this replica saw as leader is stale by the time it leads again.
                failedProbes.clear();
                unfinished.keepOnly(Set.of());
                return null;
            }
            PassResult result = passAll(clock.instant());
            outage.ended();
            return result;
        } catch (RouteStoreException e) {
            outage.began(e);
            return null;
        } finally {
            passing.set(false);
        }
    }

    private PassResult passAll(Instant now) {
        PassTally t = new PassTally();
        List<WorkspaceRecord> all = store.listAll();
        Set<String> unfinishedIds = new HashSet<>();
        for (WorkspaceRecord r : all) {
            if (r.state() == WorkspaceState.STARTING || r.state() == WorkspaceState.STOPPING) {
                unfinishedIds.add(r.id());
            }
        }
        unfinished.keepOnly(unfinishedIds);
        for (WorkspaceRecord r : all) {
            try {
                check(r, now, t);
            } catch (RouteStoreException e) {
                throw e; // the store went away: the rest of the pass waits for it
            } catch (RuntimeException e) {
                t.failures++;
                log.warn("monitor could not check workspace {} ({}/{}): {}", r.id(), r.user(), r.name(),
                        e.toString(), e);
            }
        }
        try {
            t.orphans = reconciler.stopOrphans();
        } catch (RouteStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("monitor could not look for orphaned instances: {}", e.toString(), e);
        }
        try {
            if (jobs.leads(ClusterJobs.PRUNING)) {
                store.pruneExpired(now);
            }
        } catch (RouteStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("monitor could not prune expired tokens and sessions: {}", e.toString(), e);
        }
        PassResult result = t.result();
        log.debug("monitor pass: {}", result);
        return result;
    }

    private void check(WorkspaceRecord r, Instant now, PassTally t) {
        switch (r.state()) {
            case STOPPED, FAILED -> failedProbes.remove(r.id());
            case STARTING, STOPPING -> {
                // Only an interruption leaves these without a lock held here (or another replica's change,
                // which has finished once the grace is over): settle them like the start does.
                if (!unfinished.interrupted(r, now)) {
                    return;
                }
                Reconciler.Outcome outcome = workspaces.ifNotBusy(r, reconciler::settle)
                        .orElse(Reconciler.Outcome.UNCHANGED);
                if (outcome != Reconciler.Outcome.UNCHANGED && outcome != Reconciler.Outcome.OTHER_RUNTIME) {
                    t.settled++;
                }
            }
            case RUNNING -> {
                t.running++;
                if (!reconciler.isOtherRuntimes(r)) {
                    // Another runtime's instance: this runtime cannot see it, so it is neither dead nor idle here.
                    supervise(r, now, t);
                }
            }
        }
    }

    private void supervise(WorkspaceRecord r, Instant now, PassTally t) {
        boolean alive = r.runtimeRef() != null && runtime.isAlive(r.runtimeRef());
        if (!alive || !health.isHealthy(r.upstreamSocket())) {
            int failed = alive ? failedProbes.merge(r.id(), 1, Integer::sum) : FAILED_PROBES_BEFORE_DEAD;
            if (failed >= FAILED_PROBES_BEFORE_DEAD) {
                failedProbes.remove(r.id());
                takedowns.dead(r, alive ? "stopped answering /healthz" : "is gone", t);
            }
            return;
        }
        failedProbes.remove(r.id());
        if (IdleAndDead.idleFor(r, now).compareTo(settings.idleTimeout()) > 0) {
            takedowns.reap(r, now, t);
        }
    }

    /** Stops the schedule and waits for a running pass to finish, so the store can be closed after it. */
    @Override
    public void close() {
        thread.close();
    }
}
