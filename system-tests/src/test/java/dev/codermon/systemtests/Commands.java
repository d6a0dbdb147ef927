package dev.codermon.systemtests;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a host command to completion, bounded in time, and returns its exit status and output. */
final class Commands {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** What a command did: its exit status (-1 when it timed out) and its stdout and stderr together. */
    record Result(int exit, String out) {
        boolean ok() {
            return exit == 0;
        }
    }

    private Commands() {
    }

    static Result run(Duration timeout, String... command) {
        return run(timeout, Map.of(), List.of(command));
    }

    /** Runs a command with extra environment variables; output is captured through a temporary file. */
    static Result run(Duration timeout, Map<String, String> env, List<String> command) {
        Path out = null;
        try {
            out = Files.createTempFile("codermon-cmd", ".out");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Processes.stopTree(p.toHandle(), Duration.ZERO);
                return new Result(-1, Files.readString(out, StandardCharsets.UTF_8) + "\n(timed out after " + timeout + ")");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-2, "cannot run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
