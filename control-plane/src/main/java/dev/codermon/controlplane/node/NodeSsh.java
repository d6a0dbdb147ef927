package dev.codermon.controlplane.node;

import dev.codermon.auth.route.SshKeyRecords;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's part in SSH into the workspaces it runs (Docker runtime: each workspace's SSH server reads its
 * files from this node's data directory, docs/ssh.md). The users' keys live in the shared store, where any
 * control plane registers them; the node writes each owner's {@code authorized_keys} from there before a
 * start and keeps it in step at every heartbeat. Each workspace's host key is made on its node when it
 * starts; the node publishes the public half in the store, so that every control plane hands out the same
 * {@code known_hosts} line. The private half never leaves the node.
 */
final class NodeSsh {

    private static final Logger log = LoggerFactory.getLogger(NodeSsh.class);

    private final SshKeyRecords store;
    private final WorkspaceSshFiles files;
    /** The key lines last written per user. */
    private final Map<String, List<String>> written = new ConcurrentHashMap<>();
    /** Workspaces started here whose host key could not be published yet (the store failed). */
    private final Set<String> unpublished = ConcurrentHashMap.newKeySet();

    NodeSsh(SshKeyRecords store, WorkspaceSshFiles files) {
        this.store = store;
        this.files = files;
    }

    /** Writes the owner's keys before the workspace's SSH server first reads them. */
    void beforeStart(String user) {
        write(user, true);
    }

    /** Publishes the host key the runtime made for the workspace (or later, if the store fails now). */
    void started(String workspaceId) {
        unpublished.add(workspaceId);
        publish();
    }

    /** Forgets a removed workspace's host key. */
    void removed(String workspaceId) {
        unpublished.remove(workspaceId);
        store.deleteHostKey(workspaceId);
    }

    /**
     * Brings the {@code authorized_keys} of the users with workspaces on this node up to date with the
     * store, and publishes host keys still unpublished. Throws what the store throws.
     */
    void sync(Collection<String> users) {
        // One read for every owner on this node.
        store.sshKeysOf(users).forEach((user, keys) ->
                write(user, keys.stream().map(dev.codermon.auth.route.SshKeyRecord::publicKey).toList(), false));
        publish();
    }

    private void publish() {
        for (String id : unpublished) {
            try {
                store.putHostKey(id, files.hostKey(id));
                unpublished.remove(id);
            } catch (RuntimeException e) {
                log.warn("cannot publish the SSH host key of workspace {} yet: {}", id, e.getMessage());
                return;
            }
        }
    }

    private void write(String user, boolean always) {
        write(user, SshKeyService.authorizedKeys(store, user), always);
    }

    private void write(String user, List<String> lines, boolean always) {
        if (always || !lines.equals(written.get(user))) {
            files.writeAuthorizedKeys(user, lines);
            written.put(user, lines);
            log.debug("authorized_keys of {}: {} key(s)", user, lines.size());
        }
    }
}
