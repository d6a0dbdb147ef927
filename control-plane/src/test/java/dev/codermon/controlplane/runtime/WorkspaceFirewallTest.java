package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.controlplane.runtime.CommandRunner.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks the host rules that isolate workspaces, against a fake iptables. */
class WorkspaceFirewallTest {

    private static final Result OK = new Result(0, "");
    private static final Result NO_SUCH_RULE = new Result(1,
            "iptables: Bad rule (does a matching rule exist in that chain?).");

    @Test
    void the_chain_drops_metadata_private_and_every_other_non_public_range() {
        List<String> rules = firewall(List.of(), new FakeCommandRunner(c -> OK)).chainRules().stream()
                .map(r -> String.join(" ", r)).toList();
        for (String range : List.of("169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                "100.64.0.0/10", "127.0.0.0/8", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "198.18.0.0/15")) {
            assertTrue(rules.contains("-A CODERMON-cmws0 -d " + range + " -j DROP"), range + " not dropped: " + rules);
        }
        assertEquals(WorkspaceFirewall.BLOCKED_RANGES.size(), rules.size(), "no exception without resolvers");
        assertTrue(rules.stream().noneMatch(r -> r.contains("ACCEPT")), "the chain never accepts: " + rules);
    }

    @Test
    void only_dns_to_the_hosts_own_resolvers_passes_and_before_any_drop() {
        List<String> rules = firewall(List.of("10.255.255.53"), new FakeCommandRunner(c -> OK)).chainRules()
                .stream().map(r -> String.join(" ", r)).toList();
        assertEquals(List.of(
                "-A CODERMON-cmws0 -d 10.255.255.53/32 -p udp -m udp --dport 53 -j RETURN",
                "-A CODERMON-cmws0 -d 10.255.255.53/32 -p tcp -m tcp --dport 53 -j RETURN"), rules.subList(0, 2));
        assertTrue(rules.subList(2, rules.size()).stream().allMatch(r -> r.endsWith("-j DROP")), rules.toString());
        // RETURN hands the query back to Docker's own rules (an internal network still drops it there).
        assertTrue(rules.stream().noneMatch(r -> r.contains("ACCEPT")), rules.toString());
    }

    @Test
    void the_host_input_rule_drops_everything_but_answers_to_connections_the_host_opened() {
        List<List<String>> jumps = firewall(List.of(), new FakeCommandRunner(c -> OK)).jumps();
        assertEquals(List.of("DOCKER-USER", "-i", "cmws0", "-j", "CODERMON-cmws0"), jumps.get(0));
        assertEquals(List.of("INPUT", "-i", "cmws0", "-m", "conntrack", "!", "--ctstate", "ESTABLISHED,RELATED",
                "-j", "DROP"), jumps.get(1));
    }

    @Test
    void install_replaces_the_chain_in_one_transaction_and_adds_missing_jumps_after_checking() {
        FakeCommandRunner iptables = new FakeCommandRunner(c -> c.contains("-C") ? NO_SUCH_RULE : OK);
        WorkspaceFirewall firewall = firewall(List.of("192.168.1.1"), iptables);
        firewall.install();
        assertEquals(List.of(
                "-S DOCKER-USER",
                "(restore)",
                "-C DOCKER-USER -i cmws0 -j CODERMON-cmws0",
                "-I DOCKER-USER 1 -i cmws0 -j CODERMON-cmws0",
                "-C INPUT -i cmws0 -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP",
                "-I INPUT 1 -i cmws0 -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP"), iptables.iptablesCalls());
        assertEquals(List.of("iptables-restore", "-w", "5", "--noflush"), iptables.commands.get(1));
        String restore = iptables.inputs.get(1);
        assertTrue(restore.startsWith("*filter\n:CODERMON-cmws0 - [0:0]\n"), restore);
        assertTrue(restore.contains("-A CODERMON-cmws0 -d 169.254.0.0/16 -j DROP\n"), restore);
        assertTrue(restore.endsWith("COMMIT\n"), restore);
        assertEquals(firewall.chainRules().size() + 3, restore.split("\n").length, restore);
    }

    @Test
    void install_again_adds_nothing_when_the_jumps_are_there() {
        FakeCommandRunner iptables = new FakeCommandRunner(c -> OK);
        firewall(List.of(), iptables).install();
        assertTrue(iptables.iptablesCalls().stream().noneMatch(c -> c.startsWith("-I")), iptables.iptablesCalls()
                .toString());
        assertEquals(2, iptables.iptablesCalls().stream().filter(c -> c.startsWith("-C")).count());
    }

    @Test
    void a_missing_iptables_is_a_clear_start_error() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> firewall(List.of(), new FakeCommandRunner(c -> null)).install());
        assertTrue(e.getMessage().contains("cannot run iptables") && e.getMessage().contains("Debian package iptables"),
                e.getMessage());
    }

    @Test
    void a_docker_without_its_user_chain_is_refused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> firewall(List.of(),
                new FakeCommandRunner(c -> c.contains("-S") ? new Result(1, "iptables: No chain/target/match by that"
                        + " name.") : OK)).install());
        assertTrue(e.getMessage().contains("DOCKER-USER chain is missing"), e.getMessage());
    }

    @Test
    void a_refused_rule_is_a_start_error_not_a_silent_skip() {
        FakeCommandRunner restoreFails = new FakeCommandRunner(c -> c.get(0).equals("iptables-restore")
                ? new Result(1, "iptables-restore: line 3 failed") : OK);
        assertTrue(assertThrows(IllegalStateException.class, () -> firewall(List.of(), restoreFails).install())
                .getMessage().contains("line 3 failed"));

        FakeCommandRunner insertFails = new FakeCommandRunner(c -> c.contains("-C") ? NO_SUCH_RULE
                : c.contains("-I") ? new Result(4, "iptables v1.8.9: can't initialize iptables table") : OK);
        assertTrue(assertThrows(IllegalStateException.class, () -> firewall(List.of(), insertFails).install())
                .getMessage().contains("can't initialize"));

        // Exit status 2 is a malformed rule (e.g. no conntrack match), not an absent one: never insert on it.
        FakeCommandRunner checkErrs = new FakeCommandRunner(c -> c.contains("-C") ? new Result(2,
                "iptables v1.8.9: Couldn't load match `conntrack'") : OK);
        assertThrows(IllegalStateException.class, () -> firewall(List.of(), checkErrs).install());
        assertFalse(checkErrs.iptablesCalls().stream().anyMatch(c -> c.startsWith("-I")));
    }

    @Test
    void remove_deletes_the_jumps_and_the_chain() {
        int[] checks = {0};
        // Each jump is found once, then gone.
        FakeCommandRunner iptables = new FakeCommandRunner(c -> c.contains("-C") ? (checks[0]++ % 2 == 0 ? OK
                : NO_SUCH_RULE) : OK);
        firewall(List.of(), iptables).remove();
        List<String> calls = iptables.iptablesCalls();
        assertTrue(calls.contains("-D DOCKER-USER -i cmws0 -j CODERMON-cmws0"), calls.toString());
        assertTrue(calls.contains("-D INPUT -i cmws0 -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP"),
                calls.toString());
        assertEquals(List.of("-F CODERMON-cmws0", "-X CODERMON-cmws0"), calls.subList(calls.size() - 2,
                calls.size()));
    }

    @Test
    void names_that_are_not_an_interface_or_an_address_are_refused() {
        FakeCommandRunner none = new FakeCommandRunner(c -> OK);
        assertThrows(IllegalArgumentException.class, () -> new WorkspaceFirewall("cmws0 -j ACCEPT", List.of(), none));
        assertThrows(IllegalArgumentException.class, () -> new WorkspaceFirewall("a-name-too-long-0", List.of(),
                none));
        assertThrows(IllegalArgumentException.class, () -> new WorkspaceFirewall("cmws0", List.of("10.0.0.0/8"),
                none));
    }

    private static WorkspaceFirewall firewall(List<String> resolvers, FakeCommandRunner runner) {
        return new WorkspaceFirewall("cmws0", resolvers, runner);
    }
}
