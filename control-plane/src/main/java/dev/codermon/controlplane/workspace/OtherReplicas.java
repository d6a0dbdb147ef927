package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import java.time.Duration;
import java.util.Optional;

/**
 * Waits for another control plane's change to a workspace to finish. The per-key lock lives in one
 * process's memory, so a STARTING or STOPPING record found under it may be another replica's start or stop
 * in flight (or, with one control plane, an interrupted one, which is settled at once as before).
 */
final class OtherReplicas {

    private static final Duration POLL = Duration.ofMillis(100);

    private final WorkspaceRecords store;
    private final Duration grace;

    /**
     * Creates the waiter.
     *
     * @param grace how long another replica's start or stop may take (zero: this is the only control plane)
     */
    OtherReplicas(WorkspaceRecords store, Duration grace) {
        this.store = store;
        this.grace = grace;
    }

    /** Returns whether another control plane may be changing the workspace of this record right now. */
    boolean mayBeChanging(WorkspaceRecord r) {
        return !grace.isZero() && unfinished(r);
    }

    /**
     * Waits, at most the grace, until the workspace is neither STARTING nor STOPPING.
     *
     * @return its record then, or empty if it was deleted meanwhile
     * @throws WorkspaceBusyException if it is still being changed after the grace
     */
    Optional<WorkspaceRecord> awaitSettled(String user, String name) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            Optional<WorkspaceRecord> now = store.findByUserAndName(user, name);
            if (now.isEmpty() || !unfinished(now.get())) {
                return now;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new WorkspaceBusyException("workspace " + name + " is being started or stopped by another"
                        + " request; retry in a few seconds");
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WorkspaceBusyException("interrupted while workspace " + name + " was being changed by"
                        + " another request; retry");
            }
        }
    }

    private static boolean unfinished(WorkspaceRecord r) {
        return r.state().isChanging();
    }
}
