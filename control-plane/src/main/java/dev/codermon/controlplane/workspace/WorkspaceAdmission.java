package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.DuplicateWorkspaceException;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/**
 * Applies the workspace limits: how many may start at once, how many one user may have, how many run in
 * all. Admission is decided under one short lock so that two requests cannot both take the last slot.
 */
final class WorkspaceAdmission {

    private static final Duration STARTS_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration TOTAL_RETRY_AFTER = Duration.ofSeconds(60);

    private final WorkspaceRecords store;
    private final BiFunction<String, String, String> hostnames;
    private final WorkspaceLimits limits;
    private final Clock clock;
    private final ReentrantLock admission = new ReentrantLock();
    private final Semaphore startPermits;

    WorkspaceAdmission(WorkspaceRecords store, BiFunction<String, String, String> hostnames, WorkspaceLimits limits,
            Clock clock) {
        this.store = store;
        this.hostnames = hostnames;
        this.limits = limits;
        this.clock = clock;
        this.startPermits = new Semaphore(limits.concurrentStarts());
    }

    /**
     * Takes one of the permits to start; give it back with {@link #releaseStart()}.
     *
     * @throws WorkspaceLimitException if as many workspaces as may start at once are starting
     */
    void acquireStart() {
        if (!startPermits.tryAcquire()) {
            throw new WorkspaceLimitException(limits.concurrentStarts() + " workspaces are starting right now, the"
                    + " most that may start at once; retry in a few seconds", Optional.of(STARTS_RETRY_AFTER));
        }
    }

    void releaseStart() {
        startPermits.release();
    }

    /**
     * Checks the limits and records the workspace STARTING (its old route, if any, is gone from then on).
     *
     * @param existing the workspace's record, or null to create one
     * @throws WorkspaceLimitException if the user has as many workspaces as one may, or as many run as may
     * @throws dev.codermon.auth.route.DuplicateWorkspaceException if another request created it meanwhile
     */
    WorkspaceRecord admit(String user, String name, WorkspaceRecord existing) {
        admission.lock();
        try {
            List<WorkspaceRecord> all = store.listAll();
            if (existing == null && all.stream().anyMatch(r -> r.user().equals(user) && r.name().equals(name))) {
                // Another control plane created it since it was looked up: a repeat, not one more of the user's.
                throw new DuplicateWorkspaceException("workspace " + user + "/" + name + " exists", null);
            }
            if (existing == null) {
                long mine = all.stream().filter(r -> r.user().equals(user)).count();
                if (mine >= limits.perUser()) {
                    throw new WorkspaceLimitException("you have " + mine + " workspaces, the most one user may have"
                            + " (" + limits.perUser() + "); delete one with DELETE /api/workspaces/{id} first",
                            Optional.empty());
                }
            }
            String self = existing == null ? null : existing.id();
            long active = all.stream()
                    .filter(r -> !r.id().equals(self))
                    .filter(r -> r.state() == WorkspaceState.STARTING || r.state() == WorkspaceState.RUNNING)
                    .count();
            if (active >= limits.total()) {
                throw new WorkspaceLimitException(active + " workspaces are running or starting, the most this"
                        + " control plane runs at once (" + limits.total() + "); retry later, or stop one of yours"
                        + " with POST /api/workspaces/{id}/stop", Optional.of(TOTAL_RETRY_AFTER));
            }
            if (existing == null) {
                Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
                WorkspaceRecord created = new WorkspaceRecord(UUID.randomUUID().toString(), user, name,
                        hostnames.apply(user, name), null, WorkspaceState.STARTING, null, now, now);
                store.insert(created);
                return created;
            }
            // Keep the old runtime reference until it is stopped, so an interruption leaves nothing unknown.
            WorkspaceRecord starting = existing.withUpstream(null, existing.runtimeRef())
                    .withState(WorkspaceState.STARTING);
            if (!store.updateIf(starting, existing.state())) {
                // Another control plane changed it since it was read (its own start, most likely): one start.
                throw new DuplicateWorkspaceException("workspace " + user + "/" + name + " was changed by another"
                        + " request", null);
            }
            return starting;
        } finally {
            admission.unlock();
        }
    }
}
