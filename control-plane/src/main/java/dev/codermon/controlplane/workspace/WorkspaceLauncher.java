package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts an admitted (STARTING) workspace's instance and writes its route once code-server is ready. */
final class WorkspaceLauncher {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceLauncher.class);

    private final WorkspaceRecords store;
    private final WorkspaceRuntime runtime;
    private final Path workspacesDir;
    private final WorkspaceUptime uptime;
    private final Clock clock;

    WorkspaceLauncher(WorkspaceRecords store, WorkspaceRuntime runtime, Path workspacesDir, WorkspaceUptime uptime,
            Clock clock) {
        this.store = store;
        this.runtime = runtime;
        this.workspacesDir = workspacesDir.toAbsolutePath().normalize();
        this.uptime = uptime;
        this.clock = clock;
    }

    /**
     * Starts the instance and records the workspace RUNNING with its route.
     *
     * @throws WorkspaceStartException if code-server could not be started (the record is left FAILED), or the
     *                                 workspace was deleted meanwhile
     */
    WorkspaceRecord launch(WorkspaceRecord starting) {
        RuntimeHandle handle;
        try {
            handle = runtime.start(specOf(starting));
        } catch (RuntimeStartException | RuntimeException e) {
            // Nothing runs; if the store is down too, the record stays STARTING and the monitor settles it.
            store.update(starting.withState(WorkspaceState.FAILED));
            log.warn("workspace {} ({}/{}) failed to start: {}", starting.id(), starting.user(), starting.name(),
                    e.getMessage());
            throw new WorkspaceStartException("workspace " + starting.name() + " could not be started: "
                    + e.getMessage(), e);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        // Starting counts as activity, so a workspace stopped long ago is not reaped right after its start.
        WorkspaceRecord running = withActivity(starting.withUpstream(handle.socketPath(), handle.runtimeRef())
                .withState(WorkspaceState.RUNNING), now);
        boolean recorded;
        try {
            recorded = store.update(running);
        } catch (RouteStoreException e) {
            // Nobody can reach an instance without its route: stop it now rather than leave one running that
            // no record names. The record stays STARTING, which the monitor settles once the store is back.
            try {
                runtime.stop(handle.runtimeRef());
            } catch (RuntimeException stopFailed) {
                e.addSuppressed(stopFailed); // the leader's orphan check stops it where the runtime lists instances
            }
            log.warn("workspace {} ({}/{}) started but the store could not record it; stopped it again: {}",
                    starting.id(), starting.user(), starting.name(), e.getMessage());
            throw e;
        }
        if (!recorded) {
            runtime.stop(handle.runtimeRef());
            throw new WorkspaceStartException("workspace " + starting.name() + " was deleted while it was starting",
                    null);
        }
        uptime.started(running.id(), handle.runtimeRef(), now);
        log.info("workspace {} ({}/{}) running on {}", running.id(), running.user(), running.name(),
                handle.socketPath());
        return store.find(running.id()).orElse(running);
    }

    private static WorkspaceRecord withActivity(WorkspaceRecord r, Instant at) {
        Instant last = r.lastActivityAt().isAfter(at) ? r.lastActivityAt() : at;
        return new WorkspaceRecord(r.id(), r.user(), r.name(), r.hostname(), r.upstreamSocket(), r.state(),
                r.runtimeRef(), r.createdAt(), last);
    }

    private WorkspaceSpec specOf(WorkspaceRecord r) {
        return new WorkspaceSpec(r.id(), r.user(), r.name(), r.hostname(),
                WorkspaceSpec.directoryOf(workspacesDir, r.id()));
    }
}
