package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkspaceDomainTest {

    private static final String SETTING = "--domain (CODERMON_DOMAIN)";

    @Test
    void the_default_is_valid_and_names_are_normalised() {
        assertEquals("codermon.internal", WorkspaceDomain.parse(SETTING, WorkspaceDomain.DEFAULT).name());
        assertEquals("dev.example", WorkspaceDomain.parse(SETTING, " Dev.Example. ").name());
        assertEquals("a-1.b2.example", WorkspaceDomain.parse(SETTING, "a-1.b2.example").name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "internal", "internal.", "localhost", "a.localhost", "a..b", ".a.b", "a.b..",
        "-a.b", "a-.b", "a_b.c", "a b.c", "é.example", "x.1234567890123456789012345678901234567890123456789012345678901234"})
    void anything_else_is_refused_naming_the_setting_and_an_example(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkspaceDomain.parse(SETTING, text));
        assertTrue(e.getMessage().startsWith(SETTING + " '" + text + "' "), e.getMessage());
        assertTrue(e.getMessage().contains("such as codermon.internal"), e.getMessage());
    }

    @Test
    void a_domain_too_long_for_workspace_labels_is_refused() {
        String longDomain = ("a".repeat(60) + ".").repeat(3) + "example";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkspaceDomain.parse(SETTING, longDomain));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
    }

    @Test
    void hostnames_are_name_user_domain() {
        assertEquals("main.alice.codermon.internal",
                WorkspaceDomain.parse(SETTING, "codermon.internal").hostnameOf("alice", "main"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"main.alice.codermon.internal", "8501.main.alice.codermon.internal", "x.codermon.internal",
        "a-b.c1.codermon.internal"})
    void hosts_strictly_under_the_domain_are_contained(String host) {
        assertTrue(WorkspaceDomain.parse(SETTING, "codermon.internal").contains(host));
    }

    @ParameterizedTest
    @ValueSource(strings = {"codermon.internal", ".codermon.internal", "evilcodermon.internal", "a..codermon.internal",
        "-a.codermon.internal", "a-.codermon.internal", "a_b.codermon.internal", "A.codermon.internal",
        "main.alice.codermon.internal.evil.example", "codermon.internal.", "example.org"})
    void other_hosts_are_not(String host) {
        assertFalse(WorkspaceDomain.parse(SETTING, "codermon.internal").contains(host));
    }
}
