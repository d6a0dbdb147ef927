package dev.codermon.controlplane.runtime;

import dev.codermon.controlplane.runtime.CommandRunner.Result;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the host's packet-filter rules that keep workspace containers away from the host's own services
 * and from every non-public address, with {@code iptables} (the control plane runs as root beside Docker).
 *
 * <p>Two kinds of traffic leave a container on the workspace bridge. Traffic to one of the host's own
 * addresses (the bridge gateway, the host's LAN address, anything a host service listens on) is delivered
 * locally and passes the {@code INPUT} chain, which Docker leaves open: one rule drops every packet from the
 * bridge that does not belong to a connection the host opened (so the host still hears the answers of
 * connections it makes to a container). Traffic to any other address is forwarded and passes Docker's
 * {@code DOCKER-USER} chain first: a jump sends it to this bridge's own chain, which drops private, shared,
 * link-local (cloud metadata), loopback, documentation, benchmarking, multicast and reserved ranges.
 *
 * <p>The one exception is DNS to the resolvers the host itself uses: Docker's embedded DNS server answers a
 * container at {@code 127.0.0.11} and, on Docker 20.10, forwards what it cannot answer to the host's
 * resolvers from inside the container's network namespace, so that query crosses {@code DOCKER-USER} like
 * any other packet; a resolver in a private range (the usual case in a cloud network) would otherwise leave
 * workspaces without names. Only UDP and TCP port 53 to those addresses is let through, and only to Docker's
 * own rules, which still apply (an internal network drops it there).
 *
 * <p>The bridge's chain is replaced in one {@code iptables-restore --noflush} transaction, so a restart never
 * leaves a moment without rules; the jumps are added only when {@code iptables -C} does not find them.
 */
final class WorkspaceFirewall {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceFirewall.class);

    /** Every IPv4 range that is not a public unicast address. */
    static final List<String> BLOCKED_RANGES = List.of(
            "0.0.0.0/8",        // "this" network
            "10.0.0.0/8",       // private
            "100.64.0.0/10",    // shared address space (carrier-grade NAT, some clouds' internal services)
            "127.0.0.0/8",      // loopback
            "169.254.0.0/16",   // link-local: the cloud metadata services live here
            "172.16.0.0/12",    // private (Docker's own networks among them)
            "192.0.0.0/24",     // IETF protocol assignments
            "192.0.2.0/24",     // documentation (TEST-NET-1)
            "192.168.0.0/16",   // private
            "198.18.0.0/15",    // benchmarking
            "198.51.100.0/24",  // documentation (TEST-NET-2)
            "203.0.113.0/24",   // documentation (TEST-NET-3)
            "224.0.0.0/4",      // multicast
            "240.0.0.0/4");     // reserved, and the broadcast address
    static final String CHAIN_PREFIX = "CODERMON-";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    /** How long iptables may wait for the xtables lock that Docker also takes. */
    private static final String LOCK_WAIT_SECONDS = "5";
    private static final int MAX_REMOVALS = 20;

    private final String bridge;
    private final List<String> resolvers;
    private final CommandRunner runner;

    /**
     * @param bridge    the host-side interface name of the workspace bridge
     * @param resolvers IPv4 addresses of the host's DNS resolvers, which workspaces may query on port 53
     */
    WorkspaceFirewall(String bridge, List<String> resolvers, CommandRunner runner) {
        if (!WorkspaceNetwork.isInterfaceName(bridge)) {
            throw new IllegalArgumentException("not a network interface name: '" + bridge + "'");
        }
        for (String r : resolvers) {
            if (!HostResolvers.isIpv4(r)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + r + "'");
            }
        }
        this.bridge = bridge;
        this.resolvers = List.copyOf(resolvers);
        this.runner = runner;
    }

    /** Returns the name of the bridge's own chain, e.g. {@code CODERMON-cmws0}. */
    String chain() {
        return CHAIN_PREFIX + bridge;
    }

    /** Returns the rules of the bridge's chain, in order, as {@code -A} arguments. */
    List<List<String>> chainRules() {
        List<List<String>> rules = new ArrayList<>();
        for (String resolver : resolvers) {
            for (String protocol : List.of("udp", "tcp")) {
                rules.add(List.of("-A", chain(), "-d", resolver + "/32", "-p", protocol, "-m", protocol, "--dport",
                        "53", "-j", "RETURN"));
            }
        }
        for (String range : BLOCKED_RANGES) {
            rules.add(List.of("-A", chain(), "-d", range, "-j", "DROP"));
        }
        return rules;
    }

    /** Returns the rules in Docker's and the kernel's chains that lead the bridge's traffic to ours. */
    List<List<String>> jumps() {
        return List.of(
                List.of("DOCKER-USER", "-i", bridge, "-j", chain()),
                List.of("INPUT", "-i", bridge, "-m", "conntrack", "!", "--ctstate", "ESTABLISHED,RELATED", "-j",
                        "DROP"));
    }

    /**
     * Installs the rules, or confirms them; safe to call at every start.
     *
     * @throws IllegalStateException if iptables is missing, Docker's chain is absent, or a command fails
     */
    void install() {
        Result dockerChain = iptables(List.of("-S", "DOCKER-USER"));
        if (!dockerChain.ok()) {
            throw new IllegalStateException("the DOCKER-USER chain is missing (" + dockerChain.output().strip()
                    + "); the Docker daemon must run with its iptables rules on (the default)");
        }
        Result restore = run(List.of("iptables-restore", "-w", LOCK_WAIT_SECONDS, "--noflush"), restoreInput());
        if (!restore.ok()) {
            throw new IllegalStateException("iptables-restore refused the workspace rules: "
                    + restore.output().strip());
        }
        for (List<String> jump : jumps()) {
            Result check = iptables(concat("-C", jump));
            if (check.ok()) {
                continue;
            }
            if (check.exitCode() != 1) {
                throw new IllegalStateException("iptables -C " + String.join(" ", jump) + " failed: "
                        + check.output().strip());
            }
            List<String> insert = new ArrayList<>(List.of("-I", jump.get(0), "1"));
            insert.addAll(jump.subList(1, jump.size()));
            Result inserted = iptables(insert);
            if (!inserted.ok()) {
                throw new IllegalStateException("iptables " + String.join(" ", insert) + " failed: "
                        + inserted.output().strip());
            }
            log.info("firewall: added iptables rule {}", String.join(" ", jump));
        }
        log.info("firewall: workspaces on {} cannot reach the host or non-public addresses (chain {}, {} DNS"
                + " resolver(s) allowed on port 53)", bridge, chain(), resolvers.size());
    }

    /** Removes the jumps and the bridge's chain, e.g. when a test's own network goes. */
    void remove() {
        for (List<String> jump : jumps()) {
            for (int i = 0; i < MAX_REMOVALS && iptables(concat("-C", jump)).ok(); i++) {
                iptables(concat("-D", jump));
            }
        }
        iptables(List.of("-F", chain()));
        iptables(List.of("-X", chain()));
    }

    /** Returns the {@code iptables-restore} input that replaces the bridge's chain in one transaction. */
    String restoreInput() {
        StringBuilder in = new StringBuilder("*filter\n");
        // Declaring an existing chain under --noflush empties it within the same commit.
        in.append(':').append(chain()).append(" - [0:0]\n");
        for (List<String> rule : chainRules()) {
            in.append(String.join(" ", rule)).append('\n');
        }
        return in.append("COMMIT\n").toString();
    }

    private Result iptables(List<String> args) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w", LOCK_WAIT_SECONDS));
        command.addAll(args);
        return run(command, "");
    }

    private Result run(List<String> command, String stdin) {
        try {
            return runner.run(command, stdin, COMMAND_TIMEOUT);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + " to isolate workspaces (" + e.getMessage()
                    + "); the Docker runtime needs iptables (Debian package iptables) and root", e);
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    @Override
    public String toString() {
        return "firewall chain " + chain() + " for " + bridge;
    }
}
