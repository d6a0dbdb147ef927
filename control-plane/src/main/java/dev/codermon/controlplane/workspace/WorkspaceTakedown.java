package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Takes workspaces down in the order that keeps the proxy safe: the route first, then the instance. */
final class WorkspaceTakedown {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceTakedown.class);

    private final WorkspaceRecords store;
    private final WorkspaceRuntime runtime;
    private final WorkspaceUptime uptime;

    WorkspaceTakedown(WorkspaceRecords store, WorkspaceRuntime runtime, WorkspaceUptime uptime) {
        this.store = store;
        this.runtime = runtime;
        this.uptime = uptime;
    }

    /**
     * Takes the route away (STOPPING), so the proxy stops forwarding before the process goes, then
     * stops the instance. Keeps the runtime reference meanwhile, so an interruption leaves nothing unknown.
     */
    void stopKeepingRecord(WorkspaceRecord current) {
        store.update(current.withState(WorkspaceState.STOPPING));
        if (current.runtimeRef() != null) {
            runtime.stop(current.runtimeRef());
        }
        uptime.stopped(current.id());
    }

    /** Takes a workspace down and keeps its files: route first, then code-server, then the final state. */
    WorkspaceRecord takeDown(WorkspaceRecord current, WorkspaceState finalState) {
        stopKeepingRecord(current);
        WorkspaceRecord down = current.withUpstream(null, null).withState(finalState);
        store.update(down);
        return store.find(current.id()).orElse(down);
    }

    /**
     * Stops, keeping their files, the workspaces this runtime runs for users it does not serve: left by a
     * control plane that ran local processes for another user, or for several before the process runtime
     * served one user only. Another runtime's instances are left alone (this one cannot stop them).
     *
     * @return how many it stopped
     */
    int stopUnservedUsers(WorkspaceService workspaces) {
        Optional<String> sole = runtime.soleUser();
        if (sole.isEmpty()) {
            return 0;
        }
        int stopped = 0;
        for (WorkspaceRecord r : store.listAll()) {
            boolean live = r.state() == WorkspaceState.RUNNING || r.state() == WorkspaceState.STARTING
                    || r.state() == WorkspaceState.STOPPING;
            if (!live || r.user().equals(sole.get()) || runtime.isForeign(r.runtimeRef())) {
                continue;
            }
            boolean done = workspaces.ifNotBusy(r, current -> {
                takeDown(current, WorkspaceState.STOPPED);
                log.warn("workspace {} ({}/{}) stopped, files kept: this runtime serves {} only", current.id(),
                        current.user(), current.name(), sole.get());
                return true;
            }).orElse(false);
            stopped += done ? 1 : 0;
        }
        return stopped;
    }
}
