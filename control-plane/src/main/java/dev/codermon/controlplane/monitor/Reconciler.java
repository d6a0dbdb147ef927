package dev.codermon.controlplane.monitor;

import dev.codermon.auth.route.RouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the store in line with what is really running, so the proxy never keeps a stale route.
 *
 * <p>Workspaces that are alive and answer their health endpoint are left alone (the proxy kept serving
 * them while the control plane was down); the others are stopped and marked STOPPED.
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

    private final RouteStore store;
    private final WorkspaceRuntime runtime;
    private final HealthProbe probe;

    public Reconciler(RouteStore store, WorkspaceRuntime runtime, HealthProbe probe) {
        this.store = store;
        this.runtime = runtime;
        this.probe = probe;
    }

    /** Runs one pass over every record; call it before serving requests. */
    public Result reconcile() {
        int kept = 0;
        int stopped = 0;
        for (WorkspaceRecord r : store.listAll()) {
            if (r.state() == WorkspaceState.STOPPED || r.state() == WorkspaceState.FAILED) {
                continue;
            }
            boolean alive = r.runtimeRef() != null && runtime.isAlive(r.runtimeRef());
            boolean serving = alive && (r.state() == WorkspaceState.RUNNING || r.state() == WorkspaceState.STARTING)
                    && probe.isHealthy(r.upstreamHost(), r.upstreamPort());
            if (serving) {
                if (r.state() != WorkspaceState.RUNNING) {
                    store.update(r.withState(WorkspaceState.RUNNING));
                }
                kept++;
                continue;
            }
            if (alive) {
                runtime.stop(r.runtimeRef());
            }
            store.update(r.withUpstream(null, 0, null).withState(WorkspaceState.STOPPED));
            log.info("workspace {} ({}/{}) was {} but is not serving; marked STOPPED", r.id(), r.user(), r.name(),
                    r.state());
            stopped++;
        }
        log.info("reconciled workspaces: {} running, {} marked stopped", kept, stopped);
        return new Result(kept, stopped);
    }
}
