package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Runs a host command to completion within a bounded time; a seam so that tests can fake iptables. */
interface CommandRunner {

    /**
     * Runs the command, feeding it {@code stdin} (may be empty), and waits at most {@code timeout}.
     *
     * @throws IOException if the program cannot be started (e.g. it is not installed) or does not finish in time
     */
    Result run(List<String> command, String stdin, Duration timeout) throws IOException;

    /**
     * Holds how a command ended.
     *
     * @param exitCode its exit status
     * @param output   what it wrote to stdout and stderr, merged
     */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }
}
