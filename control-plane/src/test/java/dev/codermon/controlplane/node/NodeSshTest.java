package dev.codermon.controlplane.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.SshKeyRecord;
import dev.codermon.auth.route.SshKeyRecords;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node agent's part in SSH: owners' keys written on the node from the store, host keys published to it. */
class NodeSshTest {

    @TempDir
    Path home;
    private final FakeNodeStore store = new FakeNodeStore();
    private final Keys keys = new Keys();
    private NodeAgent agent;

    /** The store's SSH keys and host keys, in memory. */
    static final class Keys implements SshKeyRecords {
        final List<SshKeyRecord> keys = new CopyOnWriteArrayList<>();
        final Map<String, String> hostKeys = new ConcurrentHashMap<>();

        @Override
        public void insertSshKey(SshKeyRecord key) {
            keys.add(key);
        }

        @Override
        public List<SshKeyRecord> sshKeysOf(String user) {
            return keys.stream().filter(k -> k.user().equals(user)).toList();
        }

        @Override
        public boolean deleteSshKey(String user, String id) {
            return keys.removeIf(k -> k.user().equals(user) && k.id().equals(id));
        }

        @Override
        public void putHostKey(String workspaceId, String publicKey) {
            hostKeys.put(workspaceId, publicKey);
        }

        @Override
        public Optional<String> hostKeyOf(String workspaceId) {
            return Optional.ofNullable(hostKeys.get(workspaceId));
        }

        @Override
        public boolean deleteHostKey(String workspaceId) {
            return hostKeys.remove(workspaceId) != null;
        }
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private static SshKeyRecord key(String id, String user, String line) {
        return new SshKeyRecord(id, user, id, line, "SHA256:" + id, Instant.EPOCH);
    }

    @Test
    void the_owners_keys_reach_the_node_before_the_start_and_the_node_publishes_the_host_key_it_made()
            throws Exception {
        WorkspaceSshFiles files = new WorkspaceSshFiles(home.resolve("n2").resolve("ssh"));
        agent = new NodeAgent(new NodeRecord("n2", "127.0.0.1:1", 2, Instant.EPOCH, false), store, store,
                new FakeRuntime(), socket -> socket != null, home.resolve("n2").resolve("workspaces"),
                Clock.systemUTC(), keys, files);
        agent.start();
        keys.insertSshKey(key("k1", "alice", "ssh-ed25519 AAAAone"));
        keys.insertSshKey(key("k9", "bob", "ssh-ed25519 AAAAbob"));
        Instant now = Instant.now();
        store.insert(new WorkspaceRecord("w1", "alice", "main", "main.alice.test", null, WorkspaceState.STARTING,
                null, now, now));
        NodeRuntime runtime = new NodeRuntime(store, store, store, Duration.ofSeconds(10), Duration.ZERO,
                Clock.systemUTC());

        RuntimeHandle handle = runtime.start(new WorkspaceSpec("w1", "alice", "main", "main.alice.test",
                home.resolve("cp").resolve("w1")));

        Path authorized = files.userDir("alice").resolve("authorized_keys");
        assertEquals(List.of("ssh-ed25519 AAAAone"), Files.readAllLines(authorized));
        assertEquals(Optional.of(files.hostKey("w1")), keys.hostKeyOf("w1"), "the host key made on the node");
        assertEquals(false, Files.exists(files.userDir("bob")), "bob has no workspace on this node");

        // A key registered later (through any control plane) reaches the node at its next heartbeat.
        store.update(store.find("w1").orElseThrow().withState(WorkspaceState.RUNNING));
        keys.insertSshKey(key("k2", "alice", "ssh-ed25519 AAAAtwo"));
        agent.heartbeat();
        assertEquals(List.of("ssh-ed25519 AAAAone", "ssh-ed25519 AAAAtwo"), Files.readAllLines(authorized));
        keys.deleteSshKey("alice", "k1");
        agent.heartbeat();
        assertEquals(List.of("ssh-ed25519 AAAAtwo"), Files.readAllLines(authorized));

        runtime.remove("w1");
        assertEquals(Optional.empty(), keys.hostKeyOf("w1"), "a removed workspace's host key stays published");
        assertEquals("n2", handle.nodeId());
    }
}
