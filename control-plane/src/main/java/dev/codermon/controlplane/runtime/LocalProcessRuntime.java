package dev.codermon.controlplane.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each workspace's code-server as a local process listening on a unix socket in the workspace's own
 * socket directory ({@link WorkspaceSockets}: owned by the control plane's user, mode 0700, inside a
 * directory of the same kind), never on a TCP port.
 *
 * <p>The processes run as the control plane's own OS user and can read everything it can, its data
 * directory included, so this runtime serves one user only ({@link #soleUser()}); it never gives them
 * the control plane's environment ({@link WorkspaceEnvironment}).
 *
 * <p>Stopping ends the process and keeps the workspace's directory; removing deletes it and the socket
 * directory. The runtime reference is the process id. Before touching a process
 * found by id alone (after a control-plane restart) it checks that the command line points into the
 * workspaces directory, so a recycled process id is never mistaken for a workspace.
 */
final class LocalProcessRuntime implements WorkspaceRuntime {

    private static final Logger log = LoggerFactory.getLogger(LocalProcessRuntime.class);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final Path executable;
    private final Path workspacesDir;
    private final Duration readyTimeout;
    private final HealthProbe probe;
    private final WorkspaceSockets sockets;
    private final String soleUser;
    private final Map<String, ProcessHandle> started = new ConcurrentHashMap<>();

    private LocalProcessRuntime(Path executable, Path workspacesDir, Duration readyTimeout, HealthProbe probe,
            WorkspaceSockets sockets, String soleUser) {
        this.executable = executable;
        this.workspacesDir = workspacesDir.toAbsolutePath().normalize();
        this.readyTimeout = readyTimeout;
        this.probe = probe;
        this.sockets = sockets;
        this.soleUser = Objects.requireNonNull(soleUser, "soleUser");
    }

    /**
     * Creates the runtime after checking that code-server can be found.
     *
     * @param codeServerBin a path to the executable, or a name looked up on PATH
     * @param sockets       where each workspace's code-server puts its socket
     * @param soleUser      the one user whose workspaces it runs
     * @throws IllegalArgumentException saying how to install or point at code-server
     */
    public static LocalProcessRuntime create(String codeServerBin, Path workspacesDir, Duration readyTimeout,
            HealthProbe probe, WorkspaceSockets sockets, String soleUser) {
        return new LocalProcessRuntime(CodeServerProcesses.resolveExecutable(codeServerBin), workspacesDir, readyTimeout, probe,
                sockets, soleUser);
    }

    /** Every workspace shares this OS user and the data directory, so one user is all it may serve. */
    @Override
    public Optional<String> soleUser() {
        return Optional.of(soleUser);
    }

    @Override
    public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
        if (!spec.user().equals(soleUser)) {
            // The service refuses this first (409); this is the last line, should a caller skip it.
            throw new RuntimeStartException("the local-process runtime serves " + soleUser + " only, not "
                    + spec.user());
        }
        Path dir = spec.directory().toAbsolutePath().normalize();
        Path logFile = dir.resolve("code-server.log");
        try {
            LocalWorkspaceFiles.prepare(dir);
        } catch (IOException e) {
            throw new RuntimeStartException("cannot create the workspace's directories under " + dir + ": "
                    + e.getMessage(), e);
        }
        Path socket;
        try {
            socket = sockets.socket(spec.id());
            // A new, empty directory: no stale socket, nothing an earlier instance left in its place.
            sockets.reset(spec.id());
        } catch (IOException | IllegalArgumentException e) {
            throw new RuntimeStartException("cannot prepare the workspace's socket directory: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        Process process = CodeServerProcesses.launch(executable, spec, dir, socket, logFile);
        String ref = Long.toString(process.pid());
        log.info("workspace {}: started code-server pid {} on {}", spec.id(), ref, socket);
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw new RuntimeStartException("code-server exited with status " + process.exitValue()
                            + " before it was ready; see " + logFile);
                }
                if (probe.isHealthy(socket.toString())) {
                    started.put(ref, process.toHandle());
                    return new RuntimeHandle(socket.toString(), ref);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new RuntimeStartException("code-server did not answer /healthz within "
                            + readyTimeout.toSeconds() + "s; see " + logFile);
                }
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CodeServerProcesses.terminate(process.toHandle());
            throw new RuntimeStartException("interrupted while waiting for code-server", e);
        } catch (RuntimeStartException | RuntimeException e) {
            CodeServerProcesses.terminate(process.toHandle());
            throw e;
        }
    }

    @Override
    public void stop(String runtimeRef) {
        ownedProcess(runtimeRef).ifPresent(p -> {
            log.info("stopping code-server pid {}", runtimeRef);
            CodeServerProcesses.terminate(p);
        });
        started.remove(runtimeRef);
    }

    @Override
    public Optional<Instant> startedAt(String runtimeRef) {
        return ownedProcess(runtimeRef).flatMap(p -> p.info().startInstant());
    }

    /** A local workspace's reference is its code-server's process id. */
    @Override
    public boolean recognizes(String runtimeRef) {
        return runtimeRef != null && !runtimeRef.isEmpty() && runtimeRef.length() <= 19
                && runtimeRef.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    @Override
    public boolean isAlive(String runtimeRef) {
        return ownedProcess(runtimeRef).isPresent();
    }

    /** Lists the TCP ports that code-server's process tree (its terminals' programs) listens on. */
    @Override
    public List<Integer> listeningPorts(String runtimeRef) {
        return ownedProcess(runtimeRef).map(p -> List.copyOf(ListeningSockets.portsHeldBy(p))).orElse(List.of());
    }

    @Override
    public void remove(String workspaceId) {
        LocalWorkspaceFiles.delete(workspacesDir, workspaceId);
        try {
            sockets.remove(workspaceId);
        } catch (IOException e) {
            log.warn("workspace {}: could not remove its socket directory: {}", workspaceId, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return executable + ", " + sockets;
    }

    private Optional<ProcessHandle> ownedProcess(String runtimeRef) {
        long pid;
        try {
            pid = Long.parseLong(runtimeRef);
        } catch (NumberFormatException | NullPointerException e) {
            return Optional.empty();
        }
        ProcessHandle known = started.get(runtimeRef);
        if (known != null) {
            return known.isAlive() ? Optional.of(known) : Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(this::runsAWorkspace);
    }

    private boolean runsAWorkspace(ProcessHandle p) {
        String marker = workspacesDir.toString() + File.separator;
        ProcessHandle.Info info = p.info();
        if (info.commandLine().map(c -> c.contains(marker)).orElse(false)) {
            return true;
        }
        return info.arguments().map(args -> String.join(" ", args).contains(marker)).orElse(false);
    }
}
