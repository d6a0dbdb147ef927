package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DockerNamesTest {

    private static final String INSTANCE = DockerNames.instanceOf(Path.of("/srv/codermon"));

    @Test
    void the_instance_is_a_hash_of_the_normalized_data_directory() {
        assertEquals(INSTANCE, DockerNames.instanceOf(Path.of("/srv/./codermon/../codermon")));
        assertNotEquals(INSTANCE, DockerNames.instanceOf(Path.of("/srv/other")));
        assertEquals(16, INSTANCE.length());
    }

    @Test
    void container_names_round_trip_and_foreign_names_are_not_ours() {
        assertEquals(Optional.of("ws-1"), DockerNames.workspaceIdOf(DockerNames.containerName("ws-1")));
        assertEquals(Optional.empty(), DockerNames.workspaceIdOf("codermon-"));
        assertEquals(Optional.empty(), DockerNames.workspaceIdOf("postgres"));
        assertEquals(Optional.empty(), DockerNames.workspaceIdOf(null));
        assertNotEquals(DockerNames.containerName("ws-1"), DockerNames.volumeName("ws-1"));
    }

    @Test
    void a_workspace_owns_what_carries_its_labels_and_instance_only() {
        Map<String, String> labels = DockerNames.labels(INSTANCE, "ws-1", "alice", "main");
        assertEquals("alice", labels.get(DockerNames.USER_LABEL));
        assertEquals("main", labels.get(DockerNames.NAME_LABEL));
        assertTrue(DockerNames.isOwned(labels, INSTANCE, "ws-1"));
        assertFalse(DockerNames.isOwned(labels, INSTANCE, "ws-2"), "another workspace's");
        assertFalse(DockerNames.isOwned(labels, DockerNames.instanceOf(Path.of("/srv/other")), "ws-1"),
                "another control plane's");
        Map<String, String> foreign = new HashMap<>(labels);
        foreign.put(DockerNames.MANAGED_BY_LABEL, "someone-else");
        assertFalse(DockerNames.isOwned(foreign, INSTANCE, "ws-1"), "not made by Codermon");
        assertFalse(DockerNames.isOwned(null, INSTANCE, "ws-1"), "no labels at all");
    }

    @Test
    void the_instance_filters_match_the_labels() {
        Map<String, String> labels = DockerNames.labels(INSTANCE, "ws-1", "alice", "main");
        List<String> filters = DockerNames.instanceFilters(INSTANCE);
        assertEquals(2, filters.size());
        for (String filter : filters) {
            String[] kv = filter.split("=", 2);
            assertEquals(kv[1], labels.get(kv[0]), filter);
        }
    }
}
