package dev.codermon.auth.route;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the SSH public keys users register (the control plane's; the proxy never reads them: the
 * workspace's own SSH server checks them). Failures throw {@link RouteStoreException}.
 */
public interface SshKeyRecords {

    /**
     * Adds a key.
     *
     * @throws DuplicateSshKeyException if the user registered a key with the same fingerprint already
     */
    void insertSshKey(SshKeyRecord key);

    /** Returns the user's keys, oldest first. */
    List<SshKeyRecord> sshKeysOf(String user);

    /**
     * Returns the keys of each of the users (a user without keys maps to an empty list), oldest first: in
     * one read where the store can (a node agent's heartbeat asks for every owner on its node).
     */
    default Map<String, List<SshKeyRecord>> sshKeysOf(Collection<String> users) {
        Map<String, List<SshKeyRecord>> out = new HashMap<>();
        for (String user : users) {
            out.put(user, sshKeysOf(user));
        }
        return out;
    }

    /** Deletes the user's key with this id; returns whether there was one. */
    boolean deleteSshKey(String user, String id);

    /**
     * Records a workspace's SSH host public key ({@code ssh-ed25519 <base64>}), as the node that made the key
     * publishes it; replaces the one recorded before.
     */
    void putHostKey(String workspaceId, String publicKey);

    /** Returns the workspace's recorded SSH host public key. */
    Optional<String> hostKeyOf(String workspaceId);

    /** Forgets the workspace's SSH host key; returns whether one was recorded. */
    boolean deleteHostKey(String workspaceId);
}
