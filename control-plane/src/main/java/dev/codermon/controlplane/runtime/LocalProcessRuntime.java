package dev.codermon.controlplane.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
public final class LocalProcessRuntime implements WorkspaceRuntime {

    private static final Logger log = LoggerFactory.getLogger(LocalProcessRuntime.class);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Path SETSID = Path.of("/usr/bin/setsid");

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
        return new LocalProcessRuntime(resolveExecutable(codeServerBin), workspacesDir, readyTimeout, probe,
                sockets, soleUser);
    }

    static Path resolveExecutable(String bin) {
        String fix = "; install it with scripts/install-code-server and pass its path with --code-server"
                + " or CODERMON_CODE_SERVER_BIN";
        if (bin.contains(File.separator)) {
            Path p = Path.of(bin).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("code-server not found at " + p + fix);
            }
            if (!Files.isExecutable(p)) {
                throw new IllegalArgumentException("code-server at " + p + " is not executable" + fix);
            }
            return p;
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, bin);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toAbsolutePath();
                }
            }
        }
        throw new IllegalArgumentException("'" + bin + "' is not on PATH" + fix);
    }

    /**
     * Writes the workspace's first user settings. The project folder lives inside the data directory,
     * which may sit inside another git checkout; without this, code-server offers to open that
     * parent repository to the workspace's user. Existing settings (the user's own) are kept.
     */
    static void seedSettings(Path settings) throws IOException {
        if (Files.exists(settings)) {
            return;
        }
        Files.createDirectories(settings.getParent());
        Files.writeString(settings, """
                {
                  "git.openRepositoryInParentFolders": "never",
                  "git.autoRepositoryDetection": "subFolders"
                }
                """);
    }

    /**
     * Puts the welcome README into a project folder that does not exist yet, so that a new workspace
     * has a file to open (the Docker image carries the same file). A folder that exists is the
     * user's: nothing is added to it, even if they deleted the README.
     */
    static void seedProject(Path project) throws IOException {
        if (Files.exists(project)) {
            return;
        }
        Files.createDirectories(project);
        try (InputStream in = LocalProcessRuntime.class.getResourceAsStream("/workspace/README.md")) {
            if (in == null) {
                throw new IOException("workspace/README.md is missing from the control plane's jar");
            }
            Files.copy(in, project.resolve("README.md"));
        }
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
            seedProject(dir.resolve("project"));
            Files.createDirectories(dir.resolve("data"));
            Files.createDirectories(dir.resolve("extensions"));
            Files.createDirectories(dir.resolve("home"));
            seedSettings(dir.resolve("data").resolve("User").resolve("settings.json"));
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
        Process process = launch(spec, dir, socket, logFile);
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
            terminate(process.toHandle());
            throw new RuntimeStartException("interrupted while waiting for code-server", e);
        } catch (RuntimeStartException | RuntimeException e) {
            terminate(process.toHandle());
            throw e;
        }
    }

    @Override
    public void stop(String runtimeRef) {
        ownedProcess(runtimeRef).ifPresent(p -> {
            log.info("stopping code-server pid {}", runtimeRef);
            terminate(p);
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
        Path dir = workspacesDir.resolve(workspaceId).normalize();
        if (!dir.getParent().equals(workspacesDir)) {
            throw new IllegalArgumentException("workspace id " + workspaceId + " does not name a directory under "
                    + workspacesDir);
        }
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | UncheckedIOException e) {
                log.warn("workspace {}: could not delete all of {}: {}", workspaceId, dir, e.getMessage());
            }
        }
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

    private Process launch(WorkspaceSpec spec, Path dir, Path socket, Path logFile) throws RuntimeStartException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // Its own session, so a Ctrl-C of the control plane does not take the workspaces with it;
            // setsid execs in place here (a child is never a group leader), so the pid stays the same.
            command.add(SETSID.toString());
        }
        command.addAll(List.of(executable.toString(),
                // A unix socket instead of a TCP port: only the control plane's user (the proxy) can open it.
                "--socket", socket.toString(),
                "--socket-mode", WorkspaceSockets.SOCKET_MODE,
                "--auth", "none",
                "--disable-telemetry",
                "--disable-update-check",
                "--disable-workspace-trust",
                // <port>.<workspace host> reaches that port on this machine's loopback (workspace apps).
                "--proxy-domain", spec.hostname(),
                "--user-data-dir", dir.resolve("data").toString(),
                "--extensions-dir", dir.resolve("extensions").toString(),
                dir.resolve("project").toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.resolve("project").toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        Map<String, String> scrubbed = WorkspaceEnvironment.of(System.getenv(), dir.resolve("home"),
                System.getProperty("user.name"));
        env.clear();
        env.putAll(scrubbed);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new RuntimeStartException("cannot launch " + executable + ": " + e.getMessage(), e);
        }
    }

    /** Sends SIGTERM to the process and its descendants, and kills whatever is left after a grace period. */
    private static void terminate(ProcessHandle process) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(process);
        process.descendants().forEach(all::add);
        all.forEach(ProcessHandle::destroy);
        if (!awaitExit(all, STOP_GRACE)) {
            log.warn("code-server pid {} ignored SIGTERM for {}s, killing it", process.pid(),
                    STOP_GRACE.toSeconds());
            all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            awaitExit(all, Duration.ofSeconds(5));
        }
    }

    private static boolean awaitExit(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle p : processes) {
            long left = deadline - System.nanoTime();
            try {
                p.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception timedOut) {
                if (p.isAlive()) {
                    return false;
                }
            }
        }
        return processes.stream().noneMatch(ProcessHandle::isAlive);
    }
}
