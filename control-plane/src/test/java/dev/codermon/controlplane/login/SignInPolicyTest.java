package dev.codermon.controlplane.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.DnsLabel;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignInPolicyTest {

    @Test
    void names_are_made_dns_label_safe() {
        assertEquals("bob-smith", SignInPolicy.candidates("Bob.Smith").get(0));
        assertEquals("jos", SignInPolicy.candidates("José").get(0));
        assertEquals("user", SignInPolicy.candidates("42").get(0));
        assertEquals("user", SignInPolicy.candidates(null).get(0));
        assertEquals("a-b", SignInPolicy.candidates("--a__b--").get(0));
        assertEquals("jane-doe-example-org", SignInPolicy.candidates("jane.doe@example.org").get(0));
    }

    @Test
    void every_candidate_is_a_valid_distinct_user_name_even_for_long_claims() {
        List<String> names = SignInPolicy.candidates("a-very-long-preferred-username-that-goes-on-and-on");
        assertEquals(32, names.get(0).length());
        assertTrue(names.get(1).endsWith("-2") && names.get(1).length() <= 32, names.get(1));
        assertEquals(names.size(), new HashSet<>(names).size(), "no two candidates alike");
        for (String n : names) {
            assertTrue(DnsLabel.isValid(n), n);
        }
        for (String n : SignInPolicy.candidates("x-y-z-----------------------------q")) {
            assertTrue(DnsLabel.isValid(n), n);
        }
    }
}
