package dev.codermon.controlplane.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import dev.codermon.auth.DockerNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the Docker network every workspace container joins exists, with the options that isolate
 * workspaces from each other: a user-defined bridge with inter-container traffic off (Docker then drops
 * traffic between two containers on it), a fixed host-side interface name for {@link WorkspaceFirewall}'s
 * rules, no IPv6, and {@code --internal} (no route out at all) when egress is {@code none}.
 *
 * <p>One network serves every control plane on the host (the interface name must be unique), so it carries
 * the {@code managed-by} label but no instance label, and is never removed by the control plane. An existing
 * network of that name with other options is refused at start, never changed under running workspaces.
 */
final class WorkspaceNetwork {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceNetwork.class);

    static final String NAME = DockerNames.NETWORK;
    static final String BRIDGE = "cmws0";
    static final String ICC_OPTION = "com.docker.network.bridge.enable_icc";
    static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
    static final String EGRESS_LABEL = "dev.codermon.egress";
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}");

    private final String name;
    private final String bridge;
    private final WorkspaceEgress egress;

    WorkspaceNetwork(String name, String bridge, WorkspaceEgress egress) {
        if (name == null || !name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new IllegalArgumentException("not a Docker network name: '" + name + "'");
        }
        if (!isInterfaceName(bridge)) {
            throw new IllegalArgumentException("not a network interface name (1 to 15 characters): '" + bridge + "'");
        }
        this.name = name;
        this.bridge = bridge;
        this.egress = Objects.requireNonNull(egress, "egress");
    }

    /** Returns the network every workspace of this host joins: {@code codermon-workspaces} on {@code cmws0}. */
    static WorkspaceNetwork standard(WorkspaceEgress egress) {
        return new WorkspaceNetwork(NAME, BRIDGE, egress);
    }

    /** Returns whether the text can name a Linux network interface. */
    static boolean isInterfaceName(String text) {
        return text != null && INTERFACE_NAME.matcher(text).matches();
    }

    String name() {
        return name;
    }

    String bridge() {
        return bridge;
    }

    WorkspaceEgress egress() {
        return egress;
    }

    /** Returns the driver options the network is created with (and must have). */
    Map<String, String> options() {
        return Map.of(ICC_OPTION, "false", BRIDGE_NAME_OPTION, bridge);
    }

    /**
     * Creates the network if it is missing, else checks that it is the one workspaces need.
     *
     * @throws IllegalStateException saying what is wrong with an existing network, or why Docker refused to make it
     */
    void ensure(DockerClient docker) {
        Network existing;
        try {
            existing = docker.inspectNetworkCmd().withNetworkId(name).exec();
        } catch (NotFoundException absent) {
            existing = create(docker);
        }
        List<String> problems = problems(existing.getDriver(), existing.getOptions(),
                Boolean.TRUE.equals(existing.getInternal()), Boolean.TRUE.equals(existing.getEnableIPv6()));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the Docker network " + name + " exists but " + String.join(", ", problems)
                    + " (workspace egress " + egress + "); stop its containers and remove it (docker network rm "
                    + name + "), and the control plane makes it again when it starts");
        }
    }

    private Network create(DockerClient docker) {
        try {
            docker.createNetworkCmd().withName(name).withDriver("bridge").withCheckDuplicate(true)
                    .withInternal(egress == WorkspaceEgress.NONE).withEnableIpv6(false).withOptions(options())
                    .withLabels(Map.of(DockerNames.MANAGED_BY_LABEL, DockerNames.MANAGED_BY_VALUE, EGRESS_LABEL,
                            egress.toString()))
                    .exec();
            log.info("created Docker network {} on bridge {} (inter-container traffic off, egress {})", name, bridge,
                    egress);
        } catch (ConflictException madeConcurrently) {
            log.debug("Docker network {} was created by someone else meanwhile", name);
        } catch (DockerException e) {
            throw new IllegalStateException("Docker refused to create the workspace network " + name + " on bridge "
                    + bridge + ": " + e.getMessage(), e);
        }
        return docker.inspectNetworkCmd().withNetworkId(name).exec();
    }

    /** Lists, in words, how an existing network differs from the one this egress setting needs. */
    List<String> problems(String driver, Map<String, String> options, boolean internal, boolean ipv6) {
        Map<String, String> opts = options == null ? Map.of() : options;
        List<String> problems = new ArrayList<>();
        if (!"bridge".equals(driver)) {
            problems.add("its driver is " + driver + ", not bridge");
        }
        if (!"false".equals(opts.get(ICC_OPTION))) {
            problems.add("it lets containers talk to each other (" + ICC_OPTION + " is not false)");
        }
        if (!bridge.equals(opts.get(BRIDGE_NAME_OPTION))) {
            problems.add("its bridge is not named " + bridge + " (" + BRIDGE_NAME_OPTION + "="
                    + opts.get(BRIDGE_NAME_OPTION) + ")");
        }
        if (internal != (egress == WorkspaceEgress.NONE)) {
            problems.add(internal ? "it is internal (no egress) while egress is public"
                    : "it is not internal while egress is none");
        }
        if (ipv6) {
            problems.add("it has IPv6, which the firewall rules do not cover");
        }
        return problems;
    }

    @Override
    public String toString() {
        return "network " + name + " (bridge " + bridge + ", egress " + egress + ")";
    }
}
