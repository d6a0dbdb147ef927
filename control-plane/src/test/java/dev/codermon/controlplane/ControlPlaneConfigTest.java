package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControlPlaneConfigTest {

    @Test
    void flags_default_to_the_documented_values() {
        ControlPlaneMain main = new ControlPlaneMain();
        new CommandLine(main).parseArgs("--home", "/tmp/cm-home");
        ControlPlaneConfig c = main.config();
        // The environment may set some of these; only check what the test machine cannot influence.
        if (System.getenv("CODERMON_CP_PORT") == null) {
            assertEquals(5001, c.port());
        }
        if (System.getenv("CODERMON_DOMAIN") == null) {
            assertEquals("codermon.internal", c.domain().name());
        }
        if (System.getenv("CODERMON_TOKEN_TTL") == null) {
            assertEquals(Duration.ofHours(8), c.tokenTtl());
        }
        if (System.getenv("CODERMON_READY_TIMEOUT") == null) {
            assertEquals(Duration.ofSeconds(90), c.readyTimeout());
        }
        assertEquals(Path.of("/tmp/cm-home"), c.home());
    }

    @Test
    void flags_override_everything() {
        ControlPlaneMain main = new ControlPlaneMain();
        new CommandLine(main).parseArgs("--home", "/tmp/x", "--bind", "::1", "--port", "0", "--domain", "Dev.Example.",
                "--proxy-url", "http://127.0.0.1:6000", "--code-server", "/opt/cs", "--token-ttl", "1d",
                "--ready-timeout", "PT2M", "--admin-key", "0123456789abcdef0123");
        ControlPlaneConfig c = main.config();
        assertEquals("::1", c.bind());
        assertEquals(0, c.port());
        assertEquals("dev.example", c.domain().name());
        assertEquals(URI.create("http://127.0.0.1:6000"), c.proxyUrl());
        assertEquals("/opt/cs", c.codeServerBin());
        assertEquals(Duration.ofDays(1), c.tokenTtl());
        assertEquals(Duration.ofMinutes(2), c.readyTimeout());
        assertEquals(Optional.of("0123456789abcdef0123"), c.adminKey());
        assertFalse(c.toString().contains("0123456789abcdef0123"), "the admin key must never be printed");
        assertEquals("main.alice.dev.example", c.hostnameOf("alice", "main"));
    }

    @Test
    void invalid_settings_are_refused_with_the_option_name() {
        Path home = Path.of("/tmp/x");
        ControlPlaneConfig d = ControlPlaneConfig.defaults(home);
        assertRefused("CODERMON_CP_PORT", () -> d.withPort(70000));
        assertRefused("CODERMON_DOMAIN", () -> new ControlPlaneConfig(home, "127.0.0.1", 1, "localhost",
                d.proxyUrl(), "cs", d.tokenTtl(), d.readyTimeout(), Optional.empty(),
                d.policy(), d.runtime()));
        assertRefused("CODERMON_DOMAIN", () -> new ControlPlaneConfig(home, "127.0.0.1", 1, "a..b",
                d.proxyUrl(), "cs", d.tokenTtl(), d.readyTimeout(), Optional.empty(),
                d.policy(), d.runtime()));
        // One label would make the proxy's CA cover a whole top-level domain: the proxy refuses it too.
        assertRefused("CODERMON_DOMAIN", () -> new ControlPlaneConfig(home, "127.0.0.1", 1, "internal",
                d.proxyUrl(), "cs", d.tokenTtl(), d.readyTimeout(), Optional.empty(),
                d.policy(), d.runtime()));
        assertRefused("CODERMON_PROXY_URL", () -> new ControlPlaneConfig(home, "127.0.0.1", 1, "x.internal",
                URI.create("socks5://h:1"), "cs", d.tokenTtl(), d.readyTimeout(), Optional.empty(),
                d.policy(), d.runtime()));
        assertRefused("CODERMON_TOKEN_TTL", () -> new ControlPlaneConfig(home, "127.0.0.1", 1, "x.internal",
                d.proxyUrl(), "cs", Duration.ZERO, d.readyTimeout(), Optional.empty(),
                d.policy(), d.runtime()));
        assertRefused("CODERMON_READY_TIMEOUT", () -> d.withReadyTimeout(Duration.ofDays(1)));
        assertRefused("CODERMON_ADMIN_KEY", () -> new ControlPlaneConfig(home, "127.0.0.1", 1, "x.internal",
                d.proxyUrl(), "cs", d.tokenTtl(), d.readyTimeout(), Optional.of("short"), d.policy(), d.runtime()));
        assertRefused("CODERMON_CP_BIND", () -> new ControlPlaneConfig(home, " ", 1, "x.internal",
                d.proxyUrl(), "cs", d.tokenTtl(), d.readyTimeout(), Optional.empty(),
                d.policy(), d.runtime()));
    }

    @Test
    void help_lists_every_option_and_env_var_but_never_the_admin_key() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cmd = new CommandLine(new ControlPlaneMain());
        cmd.setOut(new PrintWriter(out, true));
        assertEquals(0, cmd.execute("--help"));
        String help = out.toString();
        for (String s : new String[] {"--home", "--bind", "--port", "--domain", "--proxy-url", "--code-server",
                "--token-ttl", "--ready-timeout", "--admin-key", "CODERMON_HOME", "CODERMON_CP_BIND",
                "CODERMON_CP_PORT", "CODERMON_DOMAIN", "CODERMON_PROXY_URL", "CODERMON_CODE_SERVER_BIN",
                "CODERMON_TOKEN_TTL", "CODERMON_READY_TIMEOUT", "CODERMON_ADMIN_KEY"}) {
            assertTrue(help.contains(s), s + " missing from --help");
        }
        String key = System.getenv("CODERMON_ADMIN_KEY");
        if (key != null && !key.isBlank()) {
            assertFalse(help.contains(key));
        }
    }

    private static void assertRefused(String mention, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(mention), e.getMessage());
    }
}
