package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs real host commands: exit status, output, input, a missing program and one that hangs. */
class ProcessCommandRunnerTest {

    private final ProcessCommandRunner runner = new ProcessCommandRunner();

    @Test
    void exit_status_output_and_input_come_through() throws IOException {
        CommandRunner.Result r = runner.run(List.of("sh", "-c", "cat; echo oops >&2; exit 3"), "fed in\n",
                Duration.ofSeconds(10));
        assertEquals(3, r.exitCode());
        assertTrue(r.output().contains("fed in") && r.output().contains("oops"), r.output());
    }

    @Test
    void a_missing_program_is_an_io_error() {
        assertThrows(IOException.class, () -> runner.run(List.of("/nonexistent/iptables", "-S"), "",
                Duration.ofSeconds(5)));
    }

    @Test
    void a_command_that_outlives_its_time_is_killed_and_reported() {
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> runner.run(List.of("sleep", "30"), "",
                Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "the wait was not bounded");
    }
}
