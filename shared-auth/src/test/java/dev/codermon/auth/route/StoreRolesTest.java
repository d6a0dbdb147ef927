package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each process is handed only its role's part of the store; a second implementation implements both. */
class StoreRolesTest {

    private static Set<String> methods(Class<?> role) {
        return Arrays.stream(role.getMethods()).map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void the_proxy_reads_routes_and_revocations_and_writes_only_activity_sessions_token_marks_and_presence() {
        assertEquals(Set.of("findRoute", "recordActivity", "revocations", "consumeToken", "createSession",
                "findSession", "publishPresence", "withdrawPresence", "close"), methods(ProxyStore.class));
    }

    @Test
    void the_control_plane_owns_records_revocations_ssh_keys_and_pruning_and_reads_presence() {
        assertEquals(Set.of("insert", "update", "updateIf", "placeIfRoom", "delete", "find", "findByUserAndName",
                "findByRuntimeRef", "listByUser", "listAll",
                "revokeTokens", "revocations", "insertSshKey", "sshKeysOf", "deleteSshKey", "putHostKey", "hostKeyOf",
                "deleteHostKey", "pruneExpired", "openCounts",
                "close"),
                methods(ControlPlaneStore.class));
    }

    @Test
    void the_store_serves_both_roles_the_feed_and_the_nodes() {
        assertEquals(Set.of(ProxyStore.class, ControlPlaneStore.class, RouteFeed.class, NodeRecords.class),
                Set.of(SqlRouteStore.class.getInterfaces()));
    }
}
