package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.DuplicateWorkspaceException;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.util.Optional;

/**
 * Starts a workspace unless it runs, under its (user, name) lock held by the caller: refuses users the runtime
 * does not serve, admits it within the limits ({@link WorkspaceAdmission}), stops a leftover instance, and
 * launches it ({@link WorkspaceLauncher}).
 */
final class WorkspaceStarter {

    private final WorkspaceRecords store;
    private final WorkspaceRuntime runtime;
    private final WorkspaceAdmission admission;
    private final WorkspaceLauncher launcher;
    private final OtherReplicas others;

    WorkspaceStarter(WorkspaceRecords store, WorkspaceRuntime runtime, WorkspaceAdmission admission,
            WorkspaceLauncher launcher, OtherReplicas others) {
        this.others = others;
        this.store = store;
        this.runtime = runtime;
        this.admission = admission;
        this.launcher = launcher;
    }

    /**
     * Starts the workspace unless it runs; {@code existing} is its record as read under its lock, or
     * null if it has none yet.
     */
    StartedWorkspace start(String user, String name, WorkspaceRecord existing) {
        // Before anything is recorded: a refused user leaves no trace in the store.
        requireServedUser(user);
        if (existing != null && others.mayBeChanging(existing)) {
            // Another control plane's start or stop: starting here too would make a second instance.
            existing = others.awaitSettled(user, name).orElse(null);
        }
        if (existing != null) {
            requireOwnRuntime(existing);
        }
        if (existing != null && existing.state() == WorkspaceState.RUNNING && existing.runtimeRef() != null
                && runtime.isAlive(existing.runtimeRef())) {
            return new StartedWorkspace(existing, false);
        }
        admission.acquireStart();
        try {
            WorkspaceRecord starting;
            try {
                starting = admission.admit(user, name, existing);
            } catch (DuplicateWorkspaceException raced) {
                // Another control plane inserted it first: the store's unique (user, name) decided, and
                // nothing was started here. Answered below as a repeated create is, once its start is over.
                starting = null;
            }
            if (starting != null) {
                if (starting.runtimeRef() != null) {
                    // A leftover from an interrupted start or a process that stopped answering.
                    runtime.stop(starting.runtimeRef());
                    starting = starting.withUpstream(null, null);
                    store.update(starting);
                }
                return new StartedWorkspace(launcher.launch(starting), existing == null);
            }
        } finally {
            admission.releaseStart();
        }
        return startedElsewhere(user, name);
    }

    private StartedWorkspace startedElsewhere(String user, String name) {
        return others.awaitSettled(user, name)
                .filter(r -> r.state() == WorkspaceState.RUNNING)
                .map(r -> new StartedWorkspace(r, false))
                .orElseThrow(() -> new WorkspaceBusyException("workspace " + name
                        + " is being started by another request; retry in a few seconds"));
    }

    /** Refuses a user the runtime does not serve (local processes serve one user only). */
    void requireServedUser(String user) {
        Optional<String> sole = runtime.soleUser();
        if (sole.isPresent() && !sole.get().equals(user)) {
            throw new SingleUserRuntimeException(user, sole.get());
        }
    }

    /**
     * Returns the record if its instance, if any, is of this control plane's runtime.
     *
     * @throws WorkspaceOtherRuntimeException if another runtime started it (this one can neither see nor stop it)
     */
    WorkspaceRecord requireOwnRuntime(WorkspaceRecord r) {
        if (runtime.isForeign(r.runtimeRef())) {
            throw new WorkspaceOtherRuntimeException(r.id());
        }
        return r;
    }
}
