package dev.codermon.controlplane;

import dev.codermon.controlplane.runtime.ContainerLimits;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.WorkspaceEgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import picocli.CommandLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** Checks the runtime options: defaults, parsing, and refusals that name the option to fix. */
class RuntimeSettingsTest {

    @Test
    void defaults_are_the_documented_ones() {
        RuntimeSettings d = RuntimeSettings.defaults();
        assertEquals(RuntimeKind.DOCKER, d.kind());
        assertEquals(null, d.processUser());
        assertEquals("codermon/code-server:4.99.4", d.image());
        assertEquals("unix:///var/run/docker.sock", d.dockerHost());
        assertEquals(new ContainerLimits(2L << 30, 1_000_000_000L, 512), d.limits());
        assertEquals(WorkspaceEgress.PUBLIC, d.egress(), "public egress by default, for package installs");
    }

    @Test
    void command_line_options_reach_the_config() {
        ControlPlaneMain main = new ControlPlaneMain();
        new CommandLine(main).parseArgs("--runtime", "DOCKER", "--image", "codercom/code-server:4.99.4",
                "--docker-host", "tcp://127.0.0.1:2375", "--memory", "512m", "--cpus", "0.5", "--pids", "128",
                "--ws-egress", "None");
        RuntimeSettings r = main.config().runtime();
        assertEquals(RuntimeKind.DOCKER, r.kind());
        assertEquals("codercom/code-server:4.99.4", r.image());
        assertEquals("tcp://127.0.0.1:2375", r.dockerHost());
        assertEquals(new ContainerLimits(512L << 20, 500_000_000L, 128), r.limits());
        assertEquals(WorkspaceEgress.NONE, r.egress());
    }

    @Test
    void help_lists_every_runtime_option_and_its_environment_variable() {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new ControlPlaneMain());
        cmd.setOut(new PrintWriter(out, true));
        assertEquals(0, cmd.execute("--help"));
        for (String s : new String[] {"--runtime", "--image", "--docker-host", "--memory", "--cpus", "--pids",
                "--ws-egress", "--process-user", "CODERMON_WS_EGRESS", "CODERMON_PROCESS_USER", "CODERMON_RUNTIME",
                "CODERMON_IMAGE", "DOCKER_HOST", "CODERMON_WS_MEMORY", "CODERMON_WS_CPUS", "CODERMON_WS_PIDS",
                "scripts/build-image"}) {
            assertTrue(out.toString().contains(s), s + " missing from --help");
        }
        for (String gone : new String[] {"--port-range", "--port-quarantine", "CODERMON_PORT_RANGE"}) {
            assertFalse(out.toString().contains(gone), gone + " is still in --help: code-server has no TCP port");
        }
    }

    @Test
    void without_a_setting_the_runtime_is_docker_and_auto_means_docker_too() {
        ControlPlaneMain main = new ControlPlaneMain();
        new CommandLine(main).parseArgs("--home", "/tmp/unused");
        assertEquals(RuntimeKind.DOCKER, main.config().runtime().kind());
        assertEquals(RuntimeKind.DOCKER, RuntimeKind.parse("auto"));
        assertEquals(RuntimeKind.DOCKER, RuntimeKind.parse(" Docker "));
        assertEquals(RuntimeKind.PROCESS, RuntimeKind.parse("process"));
    }

    @Test
    void the_process_runtime_is_chosen_only_with_the_one_user_it_serves() {
        ControlPlaneMain main = new ControlPlaneMain();
        new CommandLine(main).parseArgs("--runtime", "process");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, main::config);
        for (String s : new String[] {"CODERMON_PROCESS_USER", "one user", "data directory", "--runtime docker"}) {
            assertTrue(refused.getMessage().contains(s), s + " missing from: " + refused.getMessage());
        }
        assertRefused("CODERMON_PROCESS_USER", () -> RuntimeSettings.defaults().withKind(RuntimeKind.PROCESS));

        ControlPlaneMain named = new ControlPlaneMain();
        new CommandLine(named).parseArgs("--runtime", "process", "--process-user", "alice");
        RuntimeSettings r = named.config().runtime();
        assertEquals(RuntimeKind.PROCESS, r.kind());
        assertEquals("alice", r.processUser());
    }

    @Test
    void sizes_and_cpu_counts_are_read_the_way_docker_writes_them() {
        assertEquals(2L << 30, ContainerLimits.parseMemory("2g"));
        assertEquals(1536L << 20, ContainerLimits.parseMemory("1.5GiB"));
        assertEquals(512L << 20, ContainerLimits.parseMemory("512M"));
        assertEquals(1_000_000_000L, ContainerLimits.parseCpus("1.0"));
        assertEquals(250_000_000L, ContainerLimits.parseCpus("0.25"));
    }

    @Test
    void invalid_values_are_refused_with_the_option_name() {
        assertRefused("CODERMON_RUNTIME", () -> RuntimeKind.parse("kubernetes"));
        assertRefused("CODERMON_WS_MEMORY", () -> ContainerLimits.parseMemory("lots"));
        assertRefused("CODERMON_WS_MEMORY", () -> new ContainerLimits(1 << 20, 1_000_000_000L, 512));
        assertRefused("CODERMON_WS_CPUS", () -> ContainerLimits.parseCpus("one"));
        assertRefused("CODERMON_WS_CPUS", () -> new ContainerLimits(2L << 30, 0, 512));
        assertRefused("CODERMON_WS_PIDS", () -> new ContainerLimits(2L << 30, 1_000_000_000L, 1));
        RuntimeSettings d = RuntimeSettings.defaults();
        assertRefused("CODERMON_IMAGE", () -> d.withImage(" "));
        assertRefused("DOCKER_HOST", () -> new RuntimeSettings(d.kind(), d.image(), "/var/run/docker.sock",
                d.limits(), d.egress(), null));
        assertRefused("CODERMON_PROCESS_USER", () -> d.forProcessUser("Alice Smith"));
    }

    private static void assertRefused(String option, Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(option), x.getMessage());
    }
}
