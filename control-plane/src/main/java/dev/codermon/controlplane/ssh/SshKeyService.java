package dev.codermon.controlplane.ssh;

import dev.codermon.auth.route.SshKeyRecord;
import dev.codermon.auth.route.SshKeyRecords;
import java.net.URI;
import java.time.Clock;
import dev.codermon.auth.route.WorkspaceRecord;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Registers users' SSH public keys (checked by {@link SshPublicKey}) and keeps each user's
 * {@code authorized_keys} file in step with the store after every change; hands out a workspace's
 * {@code known_hosts} line and the {@code ~/.ssh/config} block that reaches the workspaces through the
 * proxy (docs/ssh.md).
 */
public final class SshKeyService {

    /** At most this many keys per user. */
    static final int MAX_KEYS = 50;
    private static final int MAX_NAME = 100;

    /** Signals a request the service refuses, with a code and a reason a person can act on. */
    public static final class SshKeyException extends IllegalArgumentException {
        private final String code;

        SshKeyException(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final SshKeyRecords store;
    private final WorkspaceSshFiles files;
    private final Clock clock;

    public SshKeyService(SshKeyRecords store, WorkspaceSshFiles files, Clock clock) {
        this.store = store;
        this.files = files;
        this.clock = clock;
    }

    /**
     * Registers a key for the user.
     *
     * @param name a label; the key's comment (or "key") if null or blank
     * @throws SshKeyException ({@code invalid_key}, {@code invalid_name}, {@code too_many_keys})
     * @throws dev.codermon.auth.route.DuplicateSshKeyException if the user has this key already
     */
    public synchronized SshKeyRecord add(String user, String name, String publicKey) {
        SshPublicKey key;
        try {
            key = SshPublicKey.parse(publicKey);
        } catch (SshPublicKey.InvalidKeyException e) {
            throw new SshKeyException("invalid_key", e.getMessage());
        }
        String label = name == null || name.isBlank() ? (key.comment().isEmpty() ? "key" : key.comment()) : name.strip();
        if (label.length() > MAX_NAME || label.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new SshKeyException("invalid_name", "a key's name is at most " + MAX_NAME
                    + " characters without control characters");
        }
        if (store.sshKeysOf(user).size() >= MAX_KEYS) {
            throw new SshKeyException("too_many_keys", "at most " + MAX_KEYS + " keys per user; delete one first");
        }
        SshKeyRecord record = new SshKeyRecord(UUID.randomUUID().toString(), user, label, key.line(),
                key.fingerprint(), clock.instant());
        store.insertSshKey(record);
        sync(user);
        return record;
    }

    /** Returns the user's keys, oldest first. */
    public List<SshKeyRecord> list(String user) {
        return store.sshKeysOf(user);
    }

    /** Deletes the user's key; returns whether they had it. Live SSH sessions it opened are not cut. */
    public synchronized boolean delete(String user, String id) {
        boolean deleted = store.deleteSshKey(user, id);
        if (deleted) {
            sync(user);
        }
        return deleted;
    }

    /**
     * Returns the {@code known_hosts} line of a workspace: {@code <hostname> ssh-ed25519 <base64>}. The key is
     * the one its node published in the store (a cluster: the node made it); a workspace on this machine
     * has it in this control plane's files. Empty for a workspace on a node that has published none (its
     * runtime runs no SSH server, or it has not started the workspace yet).
     */
    public Optional<String> knownHostsLine(WorkspaceRecord workspace) {
        Optional<String> published = store.hostKeyOf(workspace.id());
        if (published.isEmpty() && workspace.nodeId() != null) {
            return Optional.empty();
        }
        return Optional.of(workspace.hostname() + " " + published.orElseGet(() -> files.hostKey(workspace.id())));
    }

    /**
     * Returns the {@code ~/.ssh/config} block for the user's workspaces: every host under
     * {@code <user>.<domain>} through the proxy with corkscrew, which reads {@code user:token} from a file
     * (never from its command line, where {@code ps} would show it).
     */
    public static String sshConfig(String user, String domain, URI proxy) {
        String host = proxy.getHost();
        int port = proxy.getPort() > 0 ? proxy.getPort() : 80;
        return """
                # Codermon: SSH into your workspaces through the proxy (docs/ssh.md).
                # Needs corkscrew, ~/.codermon/proxy-auth holding one line %1$s:<your token> (chmod 600),
                # and ~/.codermon/known_hosts holding GET /api/ssh-known-hosts.
                Host *.%1$s.%2$s
                  User coder
                  ProxyCommand corkscrew %3$s %4$d %%h %%p ~/.codermon/proxy-auth
                  UserKnownHostsFile ~/.codermon/known_hosts
                  StrictHostKeyChecking yes
                  ForwardAgent no
                """.formatted(user, domain, host, port);
    }

    private void sync(String user) {
        files.writeAuthorizedKeys(user, authorizedKeys(store, user));
    }

    /** Returns the lines of the user's {@code authorized_keys}: their registered keys, oldest first. */
    public static List<String> authorizedKeys(SshKeyRecords store, String user) {
        return store.sshKeysOf(user).stream().map(SshKeyRecord::publicKey).toList();
    }
}
