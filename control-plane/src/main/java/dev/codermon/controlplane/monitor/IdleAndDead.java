package dev.codermon.controlplane.monitor;

import dev.codermon.auth.DurationText;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.workspace.SingleUserRuntimeException;
import dev.codermon.controlplane.workspace.WorkspaceLimitException;
import dev.codermon.controlplane.workspace.WorkspaceService;
import dev.codermon.controlplane.workspace.WorkspaceStartException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes down, for the monitor, a running workspace that died (marking it FAILED or restarting it) or sat
 * idle past the timeout, under its lock and only if it is still the instance the pass looked at.
 */
final class IdleAndDead {

    // Its lines keep the monitor's logger name, which operators know them by.
    private static final Logger log = LoggerFactory.getLogger(WorkspaceMonitor.class);

    private final WorkspaceService workspaces;
    private final MonitorSettings settings;

    IdleAndDead(WorkspaceService workspaces, MonitorSettings settings) {
        this.workspaces = workspaces;
        this.settings = settings;
    }

    void dead(WorkspaceRecord seen, String why, PassTally t) {
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

    void reap(WorkspaceRecord seen, Instant now, PassTally t) {
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

    static Duration idleFor(WorkspaceRecord r, Instant now) {
        return Duration.between(r.lastActivityAt(), now);
    }

    private static boolean sameInstance(WorkspaceRecord current, WorkspaceRecord seen) {
        return current.state() == WorkspaceState.RUNNING && Objects.equals(current.runtimeRef(), seen.runtimeRef());
    }
}
