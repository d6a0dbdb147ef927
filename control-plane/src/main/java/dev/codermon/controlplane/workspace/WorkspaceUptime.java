package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Remembers when each workspace's current instance started, to tell its uptime. */
final class WorkspaceUptime {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceUptime.class);

    /** When this control plane started (or first saw) a workspace's current instance. */
    private record StartMark(String runtimeRef, Instant at) {
    }

    private final WorkspaceRuntime runtime;
    private final Clock clock;
    private final Map<String, StartMark> marks = new ConcurrentHashMap<>();

    WorkspaceUptime(WorkspaceRuntime runtime, Clock clock) {
        this.runtime = runtime;
        this.clock = clock;
    }

    /** Records that this control plane started the workspace's instance at the given time. */
    void started(String workspaceId, String runtimeRef, Instant at) {
        marks.put(workspaceId, new StartMark(runtimeRef, at));
    }

    /** Forgets the workspace's instance (it is being stopped). */
    void stopped(String workspaceId) {
        marks.remove(workspaceId);
    }

    /**
     * Returns how long the workspace has run: since this control plane started it, or, for one it found
     * running, since its process or container started (asked of the runtime once, then remembered).
     * Empty when it is not running or the runtime cannot tell.
     */
    Optional<Duration> of(WorkspaceRecord r) {
        if (r.state() != WorkspaceState.RUNNING || r.runtimeRef() == null) {
            return Optional.empty();
        }
        StartMark mark = marks.get(r.id());
        if (mark == null || !Objects.equals(mark.runtimeRef(), r.runtimeRef())) {
            Optional<Instant> started;
            try {
                started = runtime.startedAt(r.runtimeRef());
            } catch (RuntimeException e) {
                log.debug("cannot tell when workspace {} started: {}", r.id(), e.toString());
                return Optional.empty();
            }
            if (started.isEmpty()) {
                return Optional.empty();
            }
            mark = new StartMark(r.runtimeRef(), started.get());
            marks.put(r.id(), mark);
        }
        Duration up = Duration.between(mark.at(), clock.instant());
        return Optional.of(up.isNegative() ? Duration.ZERO : up);
    }
}
