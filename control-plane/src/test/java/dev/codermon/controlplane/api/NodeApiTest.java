package dev.codermon.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.ApiFixture;
import io.javalin.testtools.JavalinTest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import io.javalin.testtools.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin sees the cluster's nodes and retires one without SQL: only a node marked lost that holds no
 * workspace record, each refusal saying why; a user may do neither.
 */
class NodeApiTest {

    @TempDir
    Path tempDir;
    ApiFixture fixture;

    @BeforeEach
    void start() {
        fixture = new ApiFixture(tempDir);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void the_admin_lists_the_nodes_with_what_is_placed_on_each() {
        Instant now = Instant.now();
        fixture.store.saveNode(new NodeRecord("n1", "10.0.0.1:5003", 20, now.minusSeconds(1), false, "aa11"));
        fixture.store.saveNode(new NodeRecord("n2", "10.0.0.2:5003", 10, now.minusSeconds(40), true, null));
        fixture.store.insert(record("w1", "main", WorkspaceState.LOST).onNode("n2"));
        fixture.store.insert(record("w2", "two", WorkspaceState.STOPPED).onNode("n2"));
        JavalinTest.test(fixture.app, (server, client) -> {
            Response r = ApiFixture.get(client, "/api/nodes", ApiFixture.ADMIN_KEY);
            assertEquals(200, r.code());
            JsonNode nodes = ApiFixture.json(r);
            assertEquals(2, nodes.size(), nodes.toString());
            assertEquals("n1", nodes.get(0).get("id").asText());
            assertEquals("10.0.0.1:5003", nodes.get(0).get("relayAddress").asText());
            assertEquals("aa11", nodes.get(0).get("relayCertificate").asText());
            assertEquals(0, nodes.get(0).get("workspaces").asInt());
            assertTrue(nodes.get(0).get("secondsSinceHeartbeat").asLong() <= 2, nodes.toString());
            assertEquals(true, nodes.get(1).get("lost").asBoolean());
            assertTrue(nodes.get(1).get("relayCertificate").isNull());
            assertEquals(2, nodes.get(1).get("workspaces").asInt());

            Response asUser = ApiFixture.get(client, "/api/nodes", fixture.tokens.tokenFor("alice"));
            assertEquals(401, asUser.code());
            assertTrue(ApiFixture.json(asUser).get("detail").asText().startsWith(
                    "this endpoint takes the admin key, not a user token"), "a user is told what to send");
            Response wrongKey = ApiFixture.get(client, "/api/nodes", "not-the-admin-key");
            assertEquals(401, wrongKey.code());
            assertTrue(ApiFixture.json(wrongKey).get("detail").asText().startsWith("the admin key is wrong"));
        });
    }

    @Test
    void a_node_is_retired_only_once_lost_and_empty_and_each_refusal_says_why() {
        Instant now = Instant.now();
        fixture.store.nodeJobs().reportNode(new NodeRecord("n3", "10.0.0.3:5003", 5, now, false, "cc33"), Set.of());
        fixture.store.insert(record("w1", "main", WorkspaceState.RUNNING).onNode("n3"));
        JavalinTest.test(fixture.app, (server, client) -> {
            assertEquals(401, ApiFixture.delete(client, "/api/nodes/n3", fixture.tokens.tokenFor("alice")).code());

            Response unknown = ApiFixture.delete(client, "/api/nodes/n9", ApiFixture.ADMIN_KEY);
            assertEquals(404, unknown.code());
            assertEquals("no node n9 in the cluster's nodes table", ApiFixture.json(unknown).get("detail").asText());

            Response reporting = ApiFixture.delete(client, "/api/nodes/n3", ApiFixture.ADMIN_KEY);
            assertEquals(409, reporting.code());
            JsonNode why = ApiFixture.json(reporting);
            assertEquals("node_reporting", why.get("error").asText());
            assertTrue(why.get("detail").asText().startsWith("node n3 is not marked lost (its agent last reported"),
                    why.toString());
            assertTrue(why.get("detail").asText().contains("stop its node agent first"), why.toString());

            fixture.store.nodeJobs().markLostNodes(now.plusSeconds(60));
            fixture.store.update(fixture.store.find("w1").orElseThrow().withUpstream(null, null)
                    .withState(WorkspaceState.LOST));
            Response holds = ApiFixture.delete(client, "/api/nodes/n3", ApiFixture.ADMIN_KEY);
            assertEquals(409, holds.code());
            assertEquals("node n3 still holds 1 workspace (alice/main LOST), whose files are on its disk: delete them"
                    + " first", ApiFixture.json(holds).get("detail").asText());
            assertEquals(1, fixture.store.nodes().size(), "a refused retirement removed the node");

            fixture.store.delete("w1");
            assertEquals(204, ApiFixture.delete(client, "/api/nodes/n3", ApiFixture.ADMIN_KEY).code());
            assertEquals(0, fixture.store.nodes().size());
            assertEquals(0, ApiFixture.json(ApiFixture.get(client, "/api/nodes", ApiFixture.ADMIN_KEY)).size());
        });
    }

    private static WorkspaceRecord record(String id, String name, WorkspaceState state) {
        Instant now = Instant.now();
        return new WorkspaceRecord(id, "alice", name, name + ".alice.codermon.internal",
                state == WorkspaceState.RUNNING ? "/run/codermon/ws/" + id + "/cs.sock" : null, state, null, now, now);
    }
}
