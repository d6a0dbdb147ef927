package dev.codermon.controlplane.monitor;

import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Tells the monitor when a STARTING or STOPPING record it has not locked counts as interrupted: at once
 * with one control plane, and only once it has looked the same for the grace with several (another replica
 * may be starting it; its lock is in that replica's memory). Touched only by the monitor's thread.
 */
final class UnfinishedChanges {

    private record Sighting(WorkspaceState state, String runtimeRef, Instant since) {
    }

    private final Duration grace;
    private final Map<String, Sighting> seen = new HashMap<>();

    UnfinishedChanges(Duration grace) {
        this.grace = grace;
    }

    /** Returns whether the record has been unfinished, unchanged, for the grace by now. */
    boolean interrupted(WorkspaceRecord r, Instant now) {
        if (grace.isZero()) {
            return true;
        }
        Sighting s = seen.get(r.id());
        if (s == null || s.state() != r.state() || !Objects.equals(s.runtimeRef(), r.runtimeRef())) {
            seen.put(r.id(), new Sighting(r.state(), r.runtimeRef(), now));
            return false;
        }
        return !now.isBefore(s.since().plus(grace));
    }

    /** Forgets every record not in the set (finished or gone). */
    void keepOnly(Set<String> unfinishedIds) {
        seen.keySet().retainAll(unfinishedIds);
    }
}
