package dev.codermon.controlplane.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the code-server executable, launches a workspace's code-server process and ends its process tree. */
final class CodeServerProcesses {

    private static final Logger log = LoggerFactory.getLogger(CodeServerProcesses.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private CodeServerProcesses() {
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

    /** Launches code-server for the workspace on the socket, with a scrubbed environment, output to the log. */
    static Process launch(Path executable, WorkspaceSpec spec, Path dir, Path socket, Path logFile)
            throws RuntimeStartException {
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
    static void terminate(ProcessHandle process) {
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
