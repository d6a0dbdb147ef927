package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks the workspace network's options and how an existing network that differs is described. */
class WorkspaceNetworkTest {

    private static final Map<String, String> RIGHT = Map.of(WorkspaceNetwork.ICC_OPTION, "false",
            WorkspaceNetwork.BRIDGE_NAME_OPTION, "cmws0");

    @Test
    void the_standard_network_has_inter_container_traffic_off_on_a_fixed_bridge() {
        WorkspaceNetwork n = WorkspaceNetwork.standard(WorkspaceEgress.PUBLIC);
        assertEquals("codermon-workspaces", n.name());
        assertEquals("cmws0", n.bridge());
        assertEquals(RIGHT, n.options());
    }

    @Test
    void a_network_with_the_right_options_is_accepted() {
        assertEquals(List.of(), WorkspaceNetwork.standard(WorkspaceEgress.PUBLIC).problems("bridge", RIGHT, false,
                false));
        assertEquals(List.of(), WorkspaceNetwork.standard(WorkspaceEgress.NONE).problems("bridge", RIGHT, true,
                false));
    }

    @Test
    void every_difference_is_named() {
        WorkspaceNetwork pub = WorkspaceNetwork.standard(WorkspaceEgress.PUBLIC);
        assertEquals(List.of("it lets containers talk to each other (com.docker.network.bridge.enable_icc is not"
                + " false)"), pub.problems("bridge", Map.of(WorkspaceNetwork.BRIDGE_NAME_OPTION, "cmws0"), false,
                false));
        assertTrue(pub.problems("bridge", Map.of(WorkspaceNetwork.ICC_OPTION, "false"), false, false).get(0)
                .contains("not named cmws0"));
        assertEquals(List.of("it is internal (no egress) while egress is public"), pub.problems("bridge", RIGHT,
                true, false));
        assertEquals(List.of("it is not internal while egress is none"),
                WorkspaceNetwork.standard(WorkspaceEgress.NONE).problems("bridge", RIGHT, false, false));
        assertEquals(5, pub.problems("overlay", null, true, true).size());
    }

    @Test
    void bad_names_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> new WorkspaceNetwork("x", "bridge-name-too-long",
                WorkspaceEgress.PUBLIC));
        assertThrows(IllegalArgumentException.class, () -> new WorkspaceNetwork("bad name", "cm0",
                WorkspaceEgress.PUBLIC));
    }
}
