package dev.codermon.controlplane.monitor;

import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the store in line with what is really running, so the proxy never keeps a stale route and no
 * instance runs unaccounted for.
 *
 * <p>A workspace that is alive and answers its health endpoint is kept (the proxy kept serving it while
 * the control plane was down; an interrupted start that got that far is promoted to RUNNING); any other
 * RUNNING, STARTING or STOPPING record is stopped and marked STOPPED. At start every record is settled;
 * the monitor settles, on each pass, the records no request is changing (see {@link #settle}).
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /**
     * Counts what a pass did.
     *
     * @param kept    live workspaces left running
     * @param stopped workspaces marked STOPPED
     */
    public record Result(int kept, int stopped) {
    }

    /** Says what {@link #settle} did with one record. */
    public enum Outcome {
        /** Nothing to do: stopped or failed, or alive and serving. */
        UNCHANGED,
        /** Alive and serving, moved from STARTING to RUNNING. */
        PROMOTED,
        /** Not serving: stopped and marked STOPPED. */
        STOPPED,
        /** Made by another runtime (its reference is not this runtime's kind): left as it is. */
        OTHER_RUNTIME
    }

    private final WorkspaceRecords store;
    private final WorkspaceRuntime runtime;
    private final HealthProbe probe;

    public Reconciler(WorkspaceRecords store, WorkspaceRuntime runtime, HealthProbe probe) {
        this.store = store;
        this.runtime = runtime;
        this.probe = probe;
    }

    /** Settles every record and stops orphaned instances; call it before serving requests. */
    public Result reconcile() {
        return reconcile(false);
    }

    /**
     * Settles the records and stops orphaned instances; call it before serving requests, and only on the
     * control plane that leads the monitor.
     *
     * @param othersMayBeChanging whether other control planes may be starting or stopping workspaces right
     *                            now: their STARTING and STOPPING records are then left to the monitor, which
     *                            settles them once they stayed so for longer than a start can take
     */
    public Result reconcile(boolean othersMayBeChanging) {
        int kept = 0;
        int stopped = 0;
        for (WorkspaceRecord r : store.listAll()) {
            if (r.state() == WorkspaceState.STOPPED || r.state() == WorkspaceState.FAILED) {
                stopLeftover(r);
                continue;
            }
            if (othersMayBeChanging && r.state() != WorkspaceState.RUNNING) {
                kept++;
                continue;
            }
            Outcome outcome = settle(r);
            if (outcome == Outcome.OTHER_RUNTIME) {
                log.warn("workspace {} ({}/{}) is {} under another runtime (reference {}); this control plane"
                        + " runs {} and leaves it as it is: start the control plane with that runtime to stop,"
                        + " start or delete it", r.id(), r.user(), r.name(), r.state(), r.runtimeRef(), runtime);
                kept++;
            } else if (outcome == Outcome.STOPPED) {
                stopped++;
            } else {
                kept++;
            }
        }
        stopOrphans();
        log.info("reconciled workspaces: {} running, {} marked stopped", kept, stopped);
        return new Result(kept, stopped);
    }

    /**
     * Settles one record: keeps (or promotes) it if it is alive and serving, otherwise stops what is left
     * of it and marks it STOPPED. The caller makes sure no request is changing it at the same time.
     */
    public Outcome settle(WorkspaceRecord r) {
        if (r.state() == WorkspaceState.STOPPED || r.state() == WorkspaceState.FAILED) {
            return Outcome.UNCHANGED;
        }
        if (isOtherRuntimes(r)) {
            return Outcome.OTHER_RUNTIME;
        }
        boolean alive = r.runtimeRef() != null && runtime.isAlive(r.runtimeRef());
        boolean serving = alive && (r.state() == WorkspaceState.RUNNING || r.state() == WorkspaceState.STARTING)
                && probe.isHealthy(r.upstreamSocket());
        if (serving) {
            if (r.state() != WorkspaceState.RUNNING) {
                store.update(r.withState(WorkspaceState.RUNNING));
                log.info("workspace {} ({}/{}) was STARTING and is serving; marked RUNNING", r.id(), r.user(),
                        r.name());
                return Outcome.PROMOTED;
            }
            return Outcome.UNCHANGED;
        }
        // Route first: a STOPPING record has none, so the proxy stops forwarding before the process goes.
        store.update(r.withState(WorkspaceState.STOPPING));
        if (alive) {
            runtime.stop(r.runtimeRef());
        }
        store.update(r.withUpstream(null, null).withState(WorkspaceState.STOPPED));
        log.info("workspace {} ({}/{}) was {} but is not serving; marked STOPPED", r.id(), r.user(), r.name(),
                r.state());
        return Outcome.STOPPED;
    }

    /**
     * Stops what a stopped or failed record still names, if it runs: a store upgraded from TCP ports
     * marked its running workspaces stopped but kept their references, and their code-servers must not
     * keep listening on a loopback port that any local process can open.
     */
    private void stopLeftover(WorkspaceRecord r) {
        if (r.runtimeRef() == null || isOtherRuntimes(r)) {
            return;
        }
        if (runtime.isAlive(r.runtimeRef())) {
            log.info("workspace {} ({}/{}) is {} but {} still runs; stopping it", r.id(), r.user(), r.name(),
                    r.state(), r.runtimeRef());
            runtime.stop(r.runtimeRef());
        }
        store.update(r.withUpstream(null, null));
    }

    /** Returns whether the record names an instance of another runtime than this control plane's. */
    boolean isOtherRuntimes(WorkspaceRecord r) {
        return runtime.isForeign(r.runtimeRef());
    }

    /**
     * Stops every instance the runtime lists that no record accounts for: its workspace is gone, stopped or
     * failed, or runs as another instance. Instances of starting or stopping workspaces are left alone.
     *
     * @return how many were stopped (0 when the runtime cannot list its instances)
     */
    int stopOrphans() {
        // Instances first, records second: an instance started after the listing is not in it, and one
        // started before it has a record that is STARTING (or RUNNING with its reference) by now.
        Optional<List<WorkspaceRuntime.Instance>> listed = runtime.managedInstances();
        if (listed.isEmpty()) {
            return 0;
        }
        Map<String, WorkspaceRecord> byId = new HashMap<>();
        for (WorkspaceRecord r : store.listAll()) {
            byId.put(r.id(), r);
        }
        int stopped = 0;
        for (WorkspaceRuntime.Instance instance : listed.get()) {
            WorkspaceRecord r = byId.get(instance.workspaceId());
            boolean accounted = r != null && (r.state() == WorkspaceState.STARTING
                    || r.state() == WorkspaceState.STOPPING || instance.runtimeRef().equals(r.runtimeRef()));
            if (!accounted) {
                log.warn("instance {} of workspace {} is not accounted for by the store; stopping it",
                        instance.runtimeRef(), instance.workspaceId());
                runtime.stop(instance.runtimeRef());
                stopped++;
            }
        }
        return stopped;
    }
}
