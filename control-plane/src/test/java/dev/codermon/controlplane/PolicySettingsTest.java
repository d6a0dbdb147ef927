package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.controlplane.monitor.DeadPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PolicySettingsTest {

    private static final String[] FLAGS = {"--max-workspaces-per-user", "--max-workspaces", "--max-concurrent-starts",
        "--monitor-interval", "--idle-timeout", "--dead-policy", "--bootstrap-ttl", "--allowed-hosts"};
    private static final String[] ENV = {"CODERMON_MAX_WORKSPACES_PER_USER", "CODERMON_MAX_WORKSPACES",
        "CODERMON_MAX_CONCURRENT_STARTS", "CODERMON_MONITOR_INTERVAL", "CODERMON_IDLE_TIMEOUT", "CODERMON_DEAD_POLICY",
        "CODERMON_BOOTSTRAP_TTL", "CODERMON_CP_ALLOWED_HOSTS"};

    @Test
    void defaults_are_the_documented_values() {
        PolicySettings p = PolicySettings.defaults();
        assertEquals(3, p.maxWorkspacesPerUser());
        assertEquals(20, p.maxWorkspaces());
        assertEquals(2, p.maxConcurrentStarts());
        assertEquals(Duration.ofSeconds(15), p.monitorInterval());
        assertEquals(Duration.ofMinutes(30), p.idleTimeout());
        assertEquals(DeadPolicy.MARK, p.deadPolicy());
        assertEquals(Duration.ofSeconds(60), p.bootstrapTtl());
        assertEquals(List.of(), p.allowedHosts());
        boolean envSetsAny = false;
        for (String e : ENV) {
            envSetsAny |= System.getenv(e) != null;
        }
        if (!envSetsAny) {
            ControlPlaneMain main = new ControlPlaneMain();
            new CommandLine(main).parseArgs("--home", "/tmp/cm-home");
            assertEquals(p, main.config().policy());
        }
    }

    @Test
    void flags_set_every_policy() {
        ControlPlaneMain main = new ControlPlaneMain();
        new CommandLine(main).parseArgs("--home", "/tmp/x", "--max-workspaces-per-user", "5", "--max-workspaces", "40",
                "--max-concurrent-starts", "4", "--monitor-interval", "5s", "--idle-timeout", "2h", "--dead-policy",
                "RESTART", "--bootstrap-ttl", "30s", "--allowed-hosts", "CP.example.org, tools.example.org:8443,");
        PolicySettings p = main.config().policy();
        assertEquals(new PolicySettings(5, 40, 4, Duration.ofSeconds(5), Duration.ofHours(2), DeadPolicy.RESTART,
                Duration.ofSeconds(30), List.of("cp.example.org", "tools.example.org:8443")), p);
    }

    @Test
    void invalid_policies_are_refused_with_the_option_name() {
        PolicySettings d = PolicySettings.defaults();
        assertRefused("CODERMON_MAX_WORKSPACES_PER_USER", () -> d.withLimits(0, 20, 2));
        assertRefused("CODERMON_MAX_WORKSPACES", () -> d.withLimits(3, -1, 2));
        assertRefused("CODERMON_MAX_CONCURRENT_STARTS", () -> d.withLimits(3, 20, 0));
        assertRefused("CODERMON_MONITOR_INTERVAL", () -> d.withMonitor(Duration.ZERO, d.idleTimeout(),
                DeadPolicy.MARK));
        assertRefused("CODERMON_IDLE_TIMEOUT", () -> d.withMonitor(d.monitorInterval(), Duration.ofDays(31),
                DeadPolicy.MARK));
        assertRefused("CODERMON_DEAD_POLICY", () -> DeadPolicy.parse("reboot"));
        assertRefused("CODERMON_BOOTSTRAP_TTL", () -> new PolicySettings(3, 20, 2, d.monitorInterval(),
                d.idleTimeout(), DeadPolicy.MARK, Duration.ofHours(1), List.of()));
        assertRefused("CODERMON_CP_ALLOWED_HOSTS", () -> new PolicySettings(3, 20, 2, d.monitorInterval(),
                d.idleTimeout(), DeadPolicy.MARK, d.bootstrapTtl(), List.of("http://evil/")));
    }

    @Test
    void help_lists_every_policy_option_and_variable() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cmd = new CommandLine(new ControlPlaneMain());
        cmd.setOut(new PrintWriter(out, true));
        assertEquals(0, cmd.execute("--help"));
        String help = out.toString();
        for (String s : FLAGS) {
            assertTrue(help.contains(s), s + " missing from --help");
        }
        for (String s : ENV) {
            assertTrue(help.contains(s), s + " missing from --help");
        }
    }

    private static void assertRefused(String mention, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(mention), e.getMessage());
    }
}
