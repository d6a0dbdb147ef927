package dev.codermon.controlplane.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lays out what each workspace's SSH server reads, under {@code $CODERMON_HOME/ssh/} (owner-only):
 * {@code workspaces/<id>/} holds its {@code sshd_config} and its own Ed25519 host key (kept across
 * restarts, so that clients' {@code known_hosts} stays right; removed with the workspace), and
 * {@code users/<user>/authorized_keys} the keys that user registered. Both directories are mounted
 * read-only into the user's containers ({@value #CONTAINER_CONFIG_DIR}, {@value #CONTAINER_KEYS_DIR}):
 * the workspace can read them but never change which keys let anyone in. Files are replaced atomically
 * (a temporary file and a rename), so a running SSH server sees a new key list at its next connection.
 */
public final class WorkspaceSshFiles {

    /** Where the workspace's SSH directory appears inside its container. */
    public static final String CONTAINER_CONFIG_DIR = "/etc/codermon/ssh";
    /** Where the owner's keys directory appears inside the container. */
    public static final String CONTAINER_KEYS_DIR = "/etc/codermon/ssh-keys";
    static final String CONFIG = "sshd_config";
    static final String HOST_KEY = "host_ed25519_key";
    static final String AUTHORIZED_KEYS = "authorized_keys";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Path root;

    /** @param root {@code $CODERMON_HOME/ssh} */
    public WorkspaceSshFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Returns the workspace's SSH directory (its config and host key). */
    public Path workspaceDir(String workspaceId) {
        return root.resolve("workspaces").resolve(checked(workspaceId));
    }

    /** Returns the directory holding the user's {@code authorized_keys}. */
    public Path userDir(String user) {
        return root.resolve("users").resolve(checked(user));
    }

    /**
     * Makes the workspace's SSH directory ready for its container: the config, and a host key if it has
     * none yet, readable only by the given uid (the user the SSH server runs as, which it insists on);
     * and the owner's keys directory, with an empty key list if they registered none.
     */
    public void prepare(String workspaceId, String user, int hostKeyUid, int hostKeyGid) {
        try {
            Path dir = workspaceDir(workspaceId);
            createDirectory(dir);
            replace(dir.resolve(CONFIG), sshdConfig(CONTAINER_CONFIG_DIR + "/" + HOST_KEY,
                    CONTAINER_KEYS_DIR + "/" + AUTHORIZED_KEYS));
            hostKey(workspaceId);
            Path key = dir.resolve(HOST_KEY);
            Files.setAttribute(key, "unix:gid", hostKeyGid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(key, "unix:uid", hostKeyUid, LinkOption.NOFOLLOW_LINKS);
            Path keys = userDir(user);
            createDirectory(keys);
            try {
                // Only if there is none: never over a key list the API writes at the same time.
                Files.createFile(keys.resolve(AUTHORIZED_KEYS), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-r--r--")));
                Files.setPosixFilePermissions(keys.resolve(AUTHORIZED_KEYS), PosixFilePermissions.fromString("rw-r--r--"));
            } catch (FileAlreadyExistsException exists) {
                // the user's keys
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the SSH files of workspace " + workspaceId + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Returns the workspace's host public key ({@code ssh-ed25519 <base64>}), making the key pair first if
     * the workspace has none yet.
     */
    public synchronized String hostKey(String workspaceId) {
        Path dir = workspaceDir(workspaceId);
        Path pub = dir.resolve(HOST_KEY + ".pub");
        try {
            if (Files.exists(pub, LinkOption.NOFOLLOW_LINKS)) {
                return Files.readString(pub, StandardCharsets.US_ASCII).strip();
            }
            createDirectory(dir);
            SshHostKey key = SshHostKey.generate("codermon-" + workspaceId);
            Path tmp = Files.createTempFile(dir, ".key", ".tmp", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, key.privateKeyFile(), StandardCharsets.US_ASCII);
            move(tmp, dir.resolve(HOST_KEY));
            replace(pub, key.publicKey() + "\n");
            return key.publicKey();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the SSH host key of workspace " + workspaceId + ": "
                    + e.getMessage(), e);
        }
    }

    /** Replaces the user's {@code authorized_keys} with these lines ({@code <type> <base64>} each). */
    public void writeAuthorizedKeys(String user, List<String> lines) {
        try {
            Path dir = userDir(user);
            createDirectory(dir);
            StringBuilder text = new StringBuilder();
            for (String line : lines) {
                text.append(line).append('\n');
            }
            replace(dir.resolve(AUTHORIZED_KEYS), text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the SSH keys of " + user + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the workspace's SSH directory (its host key goes with it); tolerates its absence. */
    public void remove(String workspaceId) throws IOException {
        Path dir = workspaceDir(workspaceId);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException gone) {
                    // removed meanwhile
                }
            }
        }
    }

    /**
     * Returns the SSH server's configuration: public keys only (no passwords, no keyboard-interactive, no
     * PAM), the one workspace user, local and dynamic forwarding ({@code -L}, {@code -D}) but no remote
     * forwarding, agent, X11 or tun devices, sftp in-process.
     */
    static String sshdConfig(String hostKey, String authorizedKeys) {
        return """
                # Written by the Codermon control plane (docs/ssh.md); replaced at every start.
                HostKey %s
                AuthorizedKeysFile %s
                AuthenticationMethods publickey
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitEmptyPasswords no
                UsePAM no
                PermitRootLogin no
                AllowUsers coder
                StrictModes yes
                PidFile none
                AllowTcpForwarding local
                AllowStreamLocalForwarding no
                AllowAgentForwarding no
                X11Forwarding no
                PermitTunnel no
                PermitUserEnvironment no
                Subsystem sftp internal-sftp
                LogLevel INFO
                """.formatted(hostKey, authorizedKeys);
    }

    private static String checked(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' cannot name an SSH directory");
        }
        return name;
    }

    private void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        }
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException exists) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " is not a directory");
            }
        }
        // Readable by the workspace's user inside the container (the mount shows this directory only).
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void replace(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), ".new", ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        move(tmp, file);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
