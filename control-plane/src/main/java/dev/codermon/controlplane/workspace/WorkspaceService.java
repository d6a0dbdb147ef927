package dev.codermon.controlplane.workspace;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.codermon.auth.DnsLabel;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceRecords;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops, lists and deletes users' workspaces, keeping the route store in step with the runtime.
 *
 * <p>Changes to one (user, name) are serialized by a per-key lock; the store's unique (user, name) insert,
 * made before any instance starts, decides between two control planes creating the same workspace, and a
 * start finding another control plane's start or stop in flight waits for it ({@link OtherReplicas}). A
 * route appears (RUNNING) only once code-server is ready, and goes (STOPPING) before code-server stops.
 * Admission (the limits) is decided under one short lock so that two requests cannot take the last slot.
 */
public final class WorkspaceService {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceService.class);

    private final WorkspaceRecords store;
    private final WorkspaceRuntime runtime;
    private final KeyedLocks locks = new KeyedLocks();
    private final WorkspaceUptime uptime;
    private final WorkspaceStarter starter;
    private final WorkspaceTakedown takedown;
    private final AppPorts appPorts;

    /** Creates the service of the only control plane; {@code hostnames} maps (user, name) to the hostname. */
    public WorkspaceService(WorkspaceRecords store, WorkspaceRuntime runtime, Path workspacesDir,
            BiFunction<String, String, String> hostnames, WorkspaceLimits limits, Clock clock) {
        this(store, runtime, workspacesDir, hostnames, limits, clock, Duration.ZERO);
    }

    /**
     * Creates the service of one of several control planes on one store.
     *
     * @param hostnames         maps (user, name) to the workspace's hostname
     * @param othersChangeGrace how long another control plane's start or stop of a workspace may take: a
     *                          request finding one in flight waits that long for it (zero: the only one)
     */
    public WorkspaceService(WorkspaceRecords store, WorkspaceRuntime runtime, Path workspacesDir,
            BiFunction<String, String, String> hostnames, WorkspaceLimits limits, Clock clock,
            Duration othersChangeGrace) {
        this.store = store;
        this.runtime = runtime;
        this.uptime = new WorkspaceUptime(runtime, clock);
        this.starter = new WorkspaceStarter(store, runtime, new WorkspaceAdmission(store, hostnames, limits, clock),
                new WorkspaceLauncher(store, runtime, workspacesDir, uptime, clock),
                new OtherReplicas(store, othersChangeGrace));
        this.takedown = new WorkspaceTakedown(store, runtime, uptime);
        this.appPorts = new AppPorts(runtime::listeningPorts, AppPorts.FRESH_FOR, Ticker.systemTicker());
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
                () -> starter.start(user, name, store.findByUserAndName(user, name).orElse(null)));
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
            return starter.start(user, current.name(), current).record();
        });
    }

    /**
     * Stops, keeping their files, the workspaces this runtime runs for users it does not serve
     * ({@link WorkspaceTakedown#stopUnservedUsers}).
     *
     * @return how many it stopped
     */
    public int stopUnservedUsers() {
        return takedown.stopUnservedUsers(this);
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
            WorkspaceRecord current = starter.requireOwnRuntime(get(user, id));
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
     * One listing answers for {@link AppPorts#FRESH_FOR} (2 s), however often it is asked.
     *
     * @throws WorkspaceOtherRuntimeException if another runtime started it
     */
    public List<Integer> appPorts(WorkspaceRecord running) {
        return appPorts.of(running.id(), starter.requireOwnRuntime(running).runtimeRef());
    }

    /**
     * Returns how long the workspace has run: since this control plane started it, or, for one it found
     * running, since its process or container started (asked of the runtime once, then remembered).
     * Empty when it is not running or the runtime cannot tell.
     */
    public Optional<Duration> uptime(WorkspaceRecord r) {
        return uptime.of(r);
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
            WorkspaceRecord current = starter.requireOwnRuntime(get(user, id));
            takedown.stopKeepingRecord(current);
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
     * Takes a workspace down and keeps its files: route first, then code-server, then the final state.
     * Call it only from {@link #ifNotBusy}.
     */
    public WorkspaceRecord takeDown(WorkspaceRecord current, WorkspaceState finalState) {
        requireLocked(current);
        return takedown.takeDown(current, finalState);
    }

    /**
     * Starts a workspace again, within the limits. Call it only from {@link #ifNotBusy}.
     *
     * @throws WorkspaceLimitException  if a limit refuses it
     * @throws WorkspaceStartException  if code-server could not be started; the record is left FAILED
     */
    public WorkspaceRecord restart(WorkspaceRecord current) {
        requireLocked(current);
        return starter.start(current.user(), current.name(), current).record();
    }

    private void requireLocked(WorkspaceRecord r) {
        if (!locks.heldByCurrentThread(key(r))) {
            throw new IllegalStateException("workspace " + r.id() + " is not locked by this thread");
        }
    }

    private static String key(WorkspaceRecord r) {
        return key(r.user(), r.name());
    }

    private static String key(String user, String name) {
        return user + "/" + name;
    }
}
