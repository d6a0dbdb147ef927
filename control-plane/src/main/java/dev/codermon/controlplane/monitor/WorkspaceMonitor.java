package dev.codermon.controlplane.monitor;

import dev.codermon.auth.DurationText;
import dev.codermon.auth.route.ControlPlaneStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.workspace.SingleUserRuntimeException;
import dev.codermon.controlplane.workspace.WorkspaceLimitException;
import dev.codermon.controlplane.workspace.WorkspaceService;
import dev.codermon.controlplane.workspace.WorkspaceStartException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * until the next pass.
 */
public final class WorkspaceMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceMonitor.class);

    /** A process that is alive but fails this many health probes in a row counts as dead. */
    static final int FAILED_PROBES_BEFORE_DEAD = 2;
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(15);

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
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean passing = new AtomicBoolean();
    private final Map<String, Integer> failedProbes = new ConcurrentHashMap<>();

    public WorkspaceMonitor(ControlPlaneStore store, WorkspaceRuntime runtime, WorkspaceService workspaces,
            Reconciler reconciler, HealthCheck health, MonitorSettings settings, Clock clock) {
        this.store = store;
        this.runtime = runtime;
        this.workspaces = workspaces;
        this.reconciler = reconciler;
        this.health = health;
        this.settings = settings;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "workspace-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts passing every interval, the first one interval from now. */
    public void start() {
        long ms = settings.interval().toMillis();
        scheduler.scheduleWithFixedDelay(logged("monitor pass", this::pass), ms, ms, TimeUnit.MILLISECONDS);
        log.info("monitor started: every {}, idle timeout {}, dead policy {}", DurationText.format(settings.interval()),
                DurationText.format(settings.idleTimeout()), settings.deadPolicy());
    }

    /** Runs another periodic task on the monitor's one thread: once per control plane, never beside a pass. */
    public void every(Duration interval, String what, Runnable task) {
        long ms = interval.toMillis();
        scheduler.scheduleWithFixedDelay(logged(what, task), ms, ms, TimeUnit.MILLISECONDS);
    }

    private static Runnable logged(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) { // thrown out of the task, it would end the schedule
                log.warn("{} failed: {}", what, e.toString(), e);
            }
        };
    }

    /**
     * Runs one pass now.
     *
     * @return what it did, or null if a pass was already running (passes never overlap)
     */
    public PassResult pass() {
        if (!passing.compareAndSet(false, true)) {
            return null;
        }
        try {
            return passAll(clock.instant());
        } finally {
            passing.set(false);
        }
    }

    private PassResult passAll(Instant now) {
        PassTally t = new PassTally();
        for (WorkspaceRecord r : store.listAll()) {
            try {
                check(r, now, t);
            } catch (RuntimeException e) {
                t.failures++;
                log.warn("monitor could not check workspace {} ({}/{}): {}", r.id(), r.user(), r.name(),
                        e.toString(), e);
            }
        }
        try {
            t.orphans = reconciler.stopOrphans();
        } catch (RuntimeException e) {
            log.warn("monitor could not look for orphaned instances: {}", e.toString(), e);
        }
        try {
            store.pruneExpired(now);
        } catch (RuntimeException e) {
            log.warn("monitor could not prune expired tokens and sessions: {}", e.toString(), e);
        }
        PassResult result = t.result();
        log.debug("monitor pass: {}", result);
        return result;
    }

    private void check(WorkspaceRecord r, Instant now, PassTally t) {
        switch (r.state()) {
            case STOPPED, FAILED, LOST -> failedProbes.remove(r.id());
            case STARTING, STOPPING -> {
                // Only an interruption leaves these without a lock held: settle them like the start does.
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
                handleDead(r, alive ? "stopped answering /healthz" : "is gone", t);
            }
            return;
        }
        failedProbes.remove(r.id());
        if (idleFor(r, now).compareTo(settings.idleTimeout()) > 0) {
            reap(r, now, t);
        }
    }

    private void handleDead(WorkspaceRecord seen, String why, PassTally t) {
        workspaces.ifNotBusy(seen, current -> {
            if (!sameInstance(current, seen)) {
                return false;
            }
            WorkspaceRecord down = workspaces.takeDown(current, WorkspaceState.FAILED);
            t.dead++;
            if (settings.deadPolicy() == DeadPolicy.MARK) {
                log.warn("workspace {} ({}/{}): code-server {}; route removed, marked FAILED", current.id(),
                        current.user(), current.name(), why);
                return true;
            }
            log.warn("workspace {} ({}/{}): code-server {}; route removed, restarting it", current.id(),
                    current.user(), current.name(), why);
            try {
                workspaces.restart(down);
                t.restarted++;
            } catch (WorkspaceLimitException | WorkspaceStartException | SingleUserRuntimeException e) {
                log.warn("workspace {} ({}/{}) could not be restarted and stays FAILED: {}", current.id(),
                        current.user(), current.name(), e.getMessage());
            }
            return true;
        });
    }

    private void reap(WorkspaceRecord seen, Instant now, PassTally t) {
        workspaces.ifNotBusy(seen, current -> {
            // Activity may have been recorded since the listing.
            Duration idle = idleFor(current, now);
            if (!sameInstance(current, seen) || idle.compareTo(settings.idleTimeout()) <= 0) {
                return false;
            }
            workspaces.takeDown(current, WorkspaceState.STOPPED);
            t.reaped++;
            log.info("workspace {} ({}/{}) idle since {} (timeout {}); stopped, files kept", current.id(),
                    current.user(), current.name(), current.lastActivityAt(),
                    DurationText.format(settings.idleTimeout()));
            return true;
        });
    }

    private static Duration idleFor(WorkspaceRecord r, Instant now) {
        return Duration.between(r.lastActivityAt(), now);
    }

    private static boolean sameInstance(WorkspaceRecord current, WorkspaceRecord seen) {
        return current.state() == WorkspaceState.RUNNING && Objects.equals(current.runtimeRef(), seen.runtimeRef());
    }

    /** Stops the schedule and waits for a running pass to finish, so the store can be closed after it. */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
                log.warn("monitor pass still running after {}; interrupted it", DurationText.format(CLOSE_GRACE));
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
