package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real code-server that integration tests launch, and how they kill its processes. */
final class RealCodeServer {

    private RealCodeServer() {
    }

    /** Returns {@code CODERMON_CODE_SERVER_BIN}, failing the test with what to run when it is not usable. */
    static String binary() {
        String bin = System.getenv("CODERMON_CODE_SERVER_BIN");
        if (bin == null || bin.isBlank()) {
            fail("CODERMON_CODE_SERVER_BIN is not set: install code-server with scripts/install-code-server and"
                    + " export CODERMON_CODE_SERVER_BIN=$(scripts/install-code-server --print-bin) before mvn verify");
        }
        if (!Files.isRegularFile(Path.of(bin)) || !Files.isExecutable(Path.of(bin))) {
            fail("CODERMON_CODE_SERVER_BIN=" + bin + " is not an executable file; run scripts/install-code-server");
        }
        return bin;
    }

    /** Kills the process and its descendants at once (kill -9), if it still runs. */
    static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(RealCodeServer::kill);
    }

    /** Kills a process that must be running, with its descendants, and returns it (to await its exit). */
    static ProcessHandle killRunning(long pid) {
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(
                () -> new AssertionError("process " + pid + " is not running"));
        kill(process);
        return process;
    }

    private static void kill(ProcessHandle process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
