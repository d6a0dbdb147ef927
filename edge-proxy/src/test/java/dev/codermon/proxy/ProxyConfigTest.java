package dev.codermon.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.CodermonHome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyConfigTest {

    private static ProxyConfig withAdminHosts(String text) {
        return new ProxyConfig(new CodermonHome(Path.of("/nonexistent")), "127.0.0.1", 0, "codermon.internal", 0,
                ProxyLimits.defaults(), ProxyConfig.parseAppPorts("22"), ProxyConfig.parseHosts(text));
    }

    @Test
    void admin_allowed_hosts_are_parsed_and_lower_cased() {
        assertEquals(List.of("metrics.example.org", "tools.example.org:8443", "[::1]:9"),
                withAdminHosts(" Metrics.Example.org, tools.example.org:8443,,[::1]:9 ").adminAllowedHosts());
        assertEquals(List.of(), withAdminHosts("").adminAllowedHosts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[metrics.example.org]", "metrics.example.org:0", "user@metrics.example.org",
        "metrics example.org", "http://metrics.example.org"})
    void a_malformed_admin_allowed_host_is_refused_at_start(String entry) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withAdminHosts(entry));
        assertTrue(e.getMessage().contains("CODERMON_PROXY_ADMIN_ALLOWED_HOSTS"), e.getMessage());
    }

    @Test
    void the_domain_follows_the_shared_rule_the_control_plane_applies_too() {
        CodermonHome home = new CodermonHome(Path.of("/nonexistent"));
        assertEquals("dev.example", new ProxyConfig(home, "127.0.0.1", 0, "Dev.Example.").domain());
        assertEquals("codermon.internal", new ProxyConfig(home, "127.0.0.1", 0, ProxyConfig.DEFAULT_DOMAIN).domain());
        for (String refused : new String[] {"internal", "localhost", "a..b", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ProxyConfig(home, "127.0.0.1", 0, refused));
            assertTrue(e.getMessage().startsWith("--domain (CODERMON_DOMAIN) '" + refused + "'"), e.getMessage());
        }
    }
}
