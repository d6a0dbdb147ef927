package dev.codermon.controlplane.workspace;

import dev.codermon.auth.DnsLabel;
import dev.codermon.auth.route.DuplicateWorkspaceException;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops, lists and deletes users' workspaces, keeping the route store in step with the runtime.
 *
 * <p>Changes to one (user, name) are serialized by a per-key lock; the store's unique constraint catches
 * a second control plane doing the same. A route appears (state RUNNING) only once code-server is ready,
 * and is taken away (state STOPPING) before code-server is stopped. Admission (the per-user and total
 * limits) is decided under one short lock so that two requests cannot both take the last slot.
 */
public final class WorkspaceService {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceService.class);
    private static final Duration STARTS_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration TOTAL_RETRY_AFTER = Duration.ofSeconds(60);

    /** Remembers when this control plane started a workspace's current instance (uptime). */
    private record StartMark(String runtimeRef, Instant at) {
    }

    private final WorkspaceRecords store;
    private final WorkspaceRuntime runtime;
    private final Path workspacesDir;
    private final BiFunction<String, String, String> hostnames;
    private final WorkspaceLimits limits;
    private final Clock clock;
    private final KeyedLocks locks = new KeyedLocks();
    private final ReentrantLock admission = new ReentrantLock();
    private final Semaphore startPermits;
    private final Map<String, StartMark> startMarks = new ConcurrentHashMap<>();

    /**
     * Creates the service.
     *
     * @param hostnames maps (user, name) to the workspace's hostname
     */
    public WorkspaceService(WorkspaceRecords store, WorkspaceRuntime runtime, Path workspacesDir,
            BiFunction<String, String, String> hostnames, WorkspaceLimits limits, Clock clock) {
        this.store = store;
        this.runtime = runtime;
        this.workspacesDir = workspacesDir.toAbsolutePath().normalize();
        this.hostnames = hostnames;
        this.limits = limits;
        this.clock = clock;
        this.startPermits = new Semaphore(limits.concurrentStarts());
    }

    /**
     * Makes sure the user's workspace with this name is running, creating, starting or restarting it if needed.
     *
     * @throws IllegalArgumentException  if the user or name is not a valid DNS label
     * @throws SingleUserRuntimeException if the runtime serves one user, and that is someone else
     * @throws WorkspaceLimitException   if a limit refuses to create or start it
     * @throws WorkspaceStartException   if code-server could not be started; the record is left FAILED
     * @throws WorkspaceBusyException    if another control plane is creating the same workspace
     */
    public StartedWorkspace start(String user, String name) {
        DnsLabel.require("user", user);
        DnsLabel.require("workspace name", name);
        return locks.withLock(key(user, name),
                () -> startLocked(user, name, store.findByUserAndName(user, name).orElse(null)));
    }

    /**
     * Starts the user's existing workspace with this id (its files are where they were), or returns it if it runs.
     *
     * @throws WorkspaceNotFoundException  if there is none, or it belongs to someone else
     * @throws SingleUserRuntimeException if the runtime serves one user, and that is someone else
     * @throws WorkspaceLimitException     if a limit refuses to start it
     * @throws WorkspaceStartException     if code-server could not be started; the record is left FAILED
     */
    public WorkspaceRecord startExisting(String user, String id) {
        WorkspaceRecord found = get(user, id);
        return locks.withLock(key(found), () -> {
            WorkspaceRecord current = get(user, id);
            return startLocked(user, current.name(), current).record();
        });
    }

    /**
     * Starts the workspace unless it runs; {@code existing} is its record as read under its lock, or
     * null if it has none yet.
     */
    private StartedWorkspace startLocked(String user, String name, WorkspaceRecord existing) {
        // Before anything is recorded: a refused user leaves no trace in the store.
        requireServedUser(user);
        if (existing != null) {
            requireOwnRuntime(existing);
        }
        if (existing != null && existing.state() == WorkspaceState.RUNNING && existing.runtimeRef() != null
                && runtime.isAlive(existing.runtimeRef())) {
            return new StartedWorkspace(existing, false);
        }
        if (!startPermits.tryAcquire()) {
            throw new WorkspaceLimitException(limits.concurrentStarts() + " workspaces are starting right now, the"
                    + " most that may start at once; retry in a few seconds", Optional.of(STARTS_RETRY_AFTER));
        }
        try {
            WorkspaceRecord starting;
            try {
                starting = admit(user, name, existing);
            } catch (DuplicateWorkspaceException raced) {
                return store.findByUserAndName(user, name)
                        .filter(r -> r.state() == WorkspaceState.RUNNING)
                        .map(r -> new StartedWorkspace(r, false))
                        .orElseThrow(() -> new WorkspaceBusyException("workspace " + name
                                + " is being started by another request; retry in a few seconds"));
            }
            if (starting.runtimeRef() != null) {
                // A leftover from an interrupted start or a process that stopped answering.
                runtime.stop(starting.runtimeRef());
                starting = starting.withUpstream(null, null);
                store.update(starting);
            }
            return new StartedWorkspace(launch(starting), existing == null);
        } finally {
            startPermits.release();
        }
    }

    /** Refuses a user the runtime does not serve (local processes serve one user only). */
    private void requireServedUser(String user) {
        Optional<String> sole = runtime.soleUser();
        if (sole.isPresent() && !sole.get().equals(user)) {
            throw new SingleUserRuntimeException(user, sole.get());
        }
    }

    /**
     * Stops, keeping their files, the workspaces this runtime runs for users it does not serve: left by a
     * control plane that ran local processes for another user, or for several before the process runtime
     * served one user only. Another runtime's instances are left alone (this one cannot stop them).
     *
     * @return how many it stopped
     */
    public int stopUnservedUsers() {
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
            boolean done = ifNotBusy(r, current -> {
                takeDown(current, WorkspaceState.STOPPED);
                log.warn("workspace {} ({}/{}) stopped, files kept: this runtime serves {} only", current.id(),
                        current.user(), current.name(), sole.get());
                return true;
            }).orElse(false);
            stopped += done ? 1 : 0;
        }
        return stopped;
    }

    /** Checks the limits and records the workspace STARTING (its old route, if any, is gone from then on). */
    private WorkspaceRecord admit(String user, String name, WorkspaceRecord existing) {
        admission.lock();
        try {
            List<WorkspaceRecord> all = store.listAll();
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
                Instant now = now();
                WorkspaceRecord created = new WorkspaceRecord(UUID.randomUUID().toString(), user, name,
                        hostnames.apply(user, name), null, WorkspaceState.STARTING, null, now, now);
                store.insert(created);
                return created;
            }
            // Keep the old runtime reference until it is stopped, so an interruption leaves nothing unknown.
            WorkspaceRecord starting = existing.withUpstream(null, existing.runtimeRef())
                    .withState(WorkspaceState.STARTING);
            store.update(starting);
            return starting;
        } finally {
            admission.unlock();
        }
    }

    private WorkspaceRecord launch(WorkspaceRecord starting) {
        RuntimeHandle handle;
        try {
            handle = runtime.start(specOf(starting));
        } catch (RuntimeStartException | RuntimeException e) {
            store.update(starting.withState(WorkspaceState.FAILED));
            log.warn("workspace {} ({}/{}) failed to start: {}", starting.id(), starting.user(), starting.name(),
                    e.getMessage());
            throw new WorkspaceStartException("workspace " + starting.name() + " could not be started: "
                    + e.getMessage(), e);
        }
        Instant now = now();
        // Starting counts as activity, so a workspace stopped long ago is not reaped right after its start.
        WorkspaceRecord running = withActivity(starting.withUpstream(handle.socketPath(), handle.runtimeRef())
                .withState(WorkspaceState.RUNNING), now);
        if (!store.update(running)) {
            runtime.stop(handle.runtimeRef());
            throw new WorkspaceStartException("workspace " + starting.name() + " was deleted while it was starting",
                    null);
        }
        startMarks.put(running.id(), new StartMark(handle.runtimeRef(), now));
        log.info("workspace {} ({}/{}) running on {}", running.id(), running.user(), running.name(),
                handle.socketPath());
        return store.find(running.id()).orElse(running);
    }

    /**
     * Stops the user's workspace and keeps its files: the route goes first, then code-server. Stopping a
     * stopped workspace changes nothing.
     *
     * @throws WorkspaceNotFoundException if there is none, or it belongs to someone else
     */
    public WorkspaceRecord stop(String user, String id) {
        WorkspaceRecord found = get(user, id);
        return locks.withLock(key(found), () -> {
            WorkspaceRecord current = requireOwnRuntime(get(user, id));
            if (current.state() == WorkspaceState.STOPPED && current.runtimeRef() == null) {
                return current;
            }
            WorkspaceRecord stopped = takeDown(current, WorkspaceState.STOPPED);
            log.info("workspace {} ({}/{}) stopped on request; files kept", id, user, current.name());
            return stopped;
        });
    }

    /** Returns the user's workspaces, oldest first. */
    public List<WorkspaceRecord> list(String user) {
        return store.listByUser(user);
    }

    /** Returns every user's workspaces, oldest first (the admin's view). */
    public List<WorkspaceRecord> listAll() {
        return store.listAll();
    }

    /**
     * Returns the record if its instance, if any, is of this control plane's runtime.
     *
     * @throws WorkspaceOtherRuntimeException if another runtime started it (this one can neither see nor stop it)
     */
    private WorkspaceRecord requireOwnRuntime(WorkspaceRecord r) {
        if (runtime.isForeign(r.runtimeRef())) {
            throw new WorkspaceOtherRuntimeException(r.id());
        }
        return r;
    }

    /**
     * Returns who owns the workspace with this id (for the admin, who acts on any workspace).
     *
     * @throws WorkspaceNotFoundException if there is none
     */
    public String ownerOf(String id) {
        return store.find(id).map(WorkspaceRecord::user).orElseThrow(() -> new WorkspaceNotFoundException(id));
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
     * Returns the user's workspace with this id, which must be running.
     *
     * @throws WorkspaceNotFoundException   if there is none, or it belongs to someone else
     * @throws WorkspaceNotRunningException if it is not RUNNING
     */
    public WorkspaceRecord getRunning(String user, String id) {
        WorkspaceRecord r = get(user, id);
        if (r.state() != WorkspaceState.RUNNING) {
            throw new WorkspaceNotRunningException(id, r.state());
        }
        return r;
    }

    /**
     * Returns the ports a running workspace (from {@link #getRunning}) has apps listening on, detected
     * inside it by the runtime. code-server itself listens on a unix socket, so every TCP port is an app's.
     *
     * @throws WorkspaceOtherRuntimeException if another runtime started it
     */
    public List<Integer> appPorts(WorkspaceRecord running) {
        return runtime.listeningPorts(requireOwnRuntime(running).runtimeRef());
    }

    /**
     * Returns how long the workspace has run: since this control plane started it, or, for one it found
     * running, since its process or container started (asked of the runtime once, then remembered).
     * Empty when it is not running or the runtime cannot tell.
     */
    public Optional<Duration> uptime(WorkspaceRecord r) {
        if (r.state() != WorkspaceState.RUNNING || r.runtimeRef() == null) {
            return Optional.empty();
        }
        StartMark mark = startMarks.get(r.id());
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
            startMarks.put(r.id(), mark);
        }
        Duration up = Duration.between(mark.at(), clock.instant());
        return Optional.of(up.isNegative() ? Duration.ZERO : up);
    }

    /**
     * Stops the user's workspace and deletes its record, then everything the runtime keeps for it (files,
     * container, volume).
     *
     * @throws WorkspaceNotFoundException if there is none, or it belongs to someone else
     */
    public void delete(String user, String id) {
        WorkspaceRecord found = get(user, id);
        locks.withLock(key(found), () -> {
            WorkspaceRecord current = requireOwnRuntime(get(user, id));
            stopKeepingRecord(current);
            // Files and socket directory first, the record last: if the control plane dies or removing fails in
            // between, the record is still there (STOPPING, which the next monitor pass settles as
            // STOPPED) and the delete can simply be asked for again.
            runtime.remove(id);
            store.delete(id);
            log.info("workspace {} ({}/{}) deleted", id, user, current.name());
            return null;
        });
    }

    /**
     * Runs the work on the workspace's current record while holding its lock, unless a request is changing
     * it right now (the monitor then looks again on its next pass).
     *
     * @return the work's result; empty if the workspace is busy or gone
     */
    public <T> Optional<T> ifNotBusy(WorkspaceRecord seen, Function<WorkspaceRecord, T> work) {
        return locks.tryWithLock(key(seen), () -> store.find(seen.id()).map(work).orElse(null));
    }

    /**
     * Takes the route away (STOPPING), so the proxy stops forwarding before the process goes, then
     * stops the instance. Keeps the runtime reference meanwhile, so an interruption leaves nothing unknown.
     */
    private void stopKeepingRecord(WorkspaceRecord current) {
        store.update(current.withState(WorkspaceState.STOPPING));
        if (current.runtimeRef() != null) {
            runtime.stop(current.runtimeRef());
        }
        startMarks.remove(current.id());
    }

    /**
     * Takes a workspace down and keeps its files: route first, then code-server, then the final state.
     * Call it only from {@link #ifNotBusy}.
     */
    public WorkspaceRecord takeDown(WorkspaceRecord current, WorkspaceState finalState) {
        requireLocked(current);
        stopKeepingRecord(current);
        WorkspaceRecord down = current.withUpstream(null, null).withState(finalState);
        store.update(down);
        return store.find(current.id()).orElse(down);
    }

    /**
     * Starts a workspace again, within the limits. Call it only from {@link #ifNotBusy}.
     *
     * @throws WorkspaceLimitException  if a limit refuses it
     * @throws WorkspaceStartException  if code-server could not be started; the record is left FAILED
     */
    public WorkspaceRecord restart(WorkspaceRecord current) {
        requireLocked(current);
        return startLocked(current.user(), current.name(), current).record();
    }

    private void requireLocked(WorkspaceRecord r) {
        if (!locks.heldByCurrentThread(key(r))) {
            throw new IllegalStateException("workspace " + r.id() + " is not locked by this thread");
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static WorkspaceRecord withActivity(WorkspaceRecord r, Instant at) {
        Instant last = r.lastActivityAt().isAfter(at) ? r.lastActivityAt() : at;
        return new WorkspaceRecord(r.id(), r.user(), r.name(), r.hostname(), r.upstreamSocket(), r.state(),
                r.runtimeRef(), r.createdAt(), last);
    }

    private static String key(WorkspaceRecord r) {
        return key(r.user(), r.name());
    }

    private static String key(String user, String name) {
        return user + "/" + name;
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
}
