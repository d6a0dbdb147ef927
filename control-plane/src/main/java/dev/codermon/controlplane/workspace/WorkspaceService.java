package dev.codermon.controlplane.workspace;

import dev.codermon.auth.DnsLabel;
import dev.codermon.auth.route.DuplicateWorkspaceException;
import dev.codermon.auth.route.RouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, lists and deletes users' workspaces, keeping the route store in step with the runtime.
 *
 * <p>Changes to one (user, name) are serialized by a per-key lock; the store's unique constraint catches
 * a second control plane doing the same. A route appears (state RUNNING) only once code-server is ready.
 */
public final class WorkspaceService {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceService.class);

    private final RouteStore store;
    private final WorkspaceRuntime runtime;
    private final Path workspacesDir;
    private final BiFunction<String, String, String> hostnames;
    private final Clock clock;
    private final KeyedLocks locks = new KeyedLocks();

    /**
     * Creates the service.
     *
     * @param hostnames maps (user, name) to the workspace's hostname
     */
    public WorkspaceService(RouteStore store, WorkspaceRuntime runtime, Path workspacesDir,
            BiFunction<String, String, String> hostnames, Clock clock) {
        this.store = store;
        this.runtime = runtime;
        this.workspacesDir = workspacesDir.toAbsolutePath().normalize();
        this.hostnames = hostnames;
        this.clock = clock;
    }

    /**
     * Makes sure the user's workspace with this name is running, starting (or restarting) it if needed.
     *
     * @throws IllegalArgumentException  if the user or name is not a valid DNS label
     * @throws WorkspaceStartException   if code-server could not be started; the record is left FAILED
     * @throws WorkspaceBusyException    if another control plane is creating the same workspace
     */
    public StartedWorkspace start(String user, String name) {
        DnsLabel.require("user", user);
        DnsLabel.require("workspace name", name);
        return locks.withLock(user + "/" + name, () -> startLocked(user, name));
    }

    private StartedWorkspace startLocked(String user, String name) {
        WorkspaceRecord existing = store.findByUserAndName(user, name).orElse(null);
        if (existing != null && existing.state() == WorkspaceState.RUNNING && existing.runtimeRef() != null
                && runtime.isAlive(existing.runtimeRef())) {
            return new StartedWorkspace(existing, false);
        }
        WorkspaceRecord starting;
        boolean created = existing == null;
        if (created) {
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            starting = new WorkspaceRecord(UUID.randomUUID().toString(), user, name, hostnames.apply(user, name),
                    null, 0, WorkspaceState.STARTING, null, now, now);
            try {
                store.insert(starting);
            } catch (DuplicateWorkspaceException raced) {
                return store.findByUserAndName(user, name)
                        .filter(r -> r.state() == WorkspaceState.RUNNING)
                        .map(r -> new StartedWorkspace(r, false))
                        .orElseThrow(() -> new WorkspaceBusyException("workspace " + name
                                + " is being started by another request; retry in a few seconds"));
            }
        } else {
            if (existing.runtimeRef() != null) {
                // A leftover from an interrupted start or a process that stopped answering.
                runtime.stop(existing.runtimeRef());
            }
            starting = existing.withUpstream(null, 0, null).withState(WorkspaceState.STARTING);
            store.update(starting);
        }
        RuntimeHandle handle;
        try {
            handle = runtime.start(specOf(starting));
        } catch (RuntimeStartException | RuntimeException e) {
            store.update(starting.withState(WorkspaceState.FAILED));
            log.warn("workspace {} ({}/{}) failed to start: {}", starting.id(), user, name, e.getMessage());
            throw new WorkspaceStartException("workspace " + name + " could not be started: " + e.getMessage(), e);
        }
        WorkspaceRecord running = starting.withUpstream(handle.host(), handle.port(), handle.runtimeRef())
                .withState(WorkspaceState.RUNNING);
        if (!store.update(running)) {
            runtime.stop(handle.runtimeRef());
            throw new WorkspaceStartException("workspace " + name + " was deleted while it was starting", null);
        }
        log.info("workspace {} ({}/{}) running at {}:{}", running.id(), user, name, handle.host(), handle.port());
        return new StartedWorkspace(store.find(running.id()).orElse(running), created);
    }

    /** Returns the user's workspaces, oldest first. */
    public List<WorkspaceRecord> list(String user) {
        return store.listByUser(user);
    }

    /**
     * Returns the user's workspace with this id.
     *
     * @throws WorkspaceNotFoundException if there is none, or it belongs to someone else
     */
    public WorkspaceRecord get(String user, String id) {
        return store.find(id).filter(r -> r.user().equals(user))
                .orElseThrow(() -> new WorkspaceNotFoundException(id));
    }

    /**
     * Stops the user's workspace and deletes its record and files.
     *
     * @throws WorkspaceNotFoundException if there is none, or it belongs to someone else
     */
    public void delete(String user, String id) {
        WorkspaceRecord found = get(user, id);
        locks.withLock(user + "/" + found.name(), () -> {
            WorkspaceRecord current = get(user, id);
            // Take the route away first, so the proxy stops forwarding before the process goes.
            store.update(current.withState(WorkspaceState.STOPPING));
            if (current.runtimeRef() != null) {
                runtime.stop(current.runtimeRef());
            }
            store.delete(id);
            deleteFiles(id);
            log.info("workspace {} ({}/{}) deleted", id, user, current.name());
            return null;
        });
    }

    private WorkspaceSpec specOf(WorkspaceRecord r) {
        return new WorkspaceSpec(r.id(), r.user(), r.name(), r.hostname(), directoryOf(r.id()));
    }

    private Path directoryOf(String id) {
        Path dir = workspacesDir.resolve(id).normalize();
        if (!dir.getParent().equals(workspacesDir)) {
            throw new IllegalStateException("workspace id " + id + " does not name a directory under "
                    + workspacesDir);
        }
        return dir;
    }

    private void deleteFiles(String id) {
        Path dir = directoryOf(id);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("workspace {}: could not delete all of {}: {}", id, dir, e.getMessage());
        }
    }
}
