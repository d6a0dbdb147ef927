package dev.codermon.controlplane.runtime;

import com.sun.security.auth.module.UnixSystem;
import dev.codermon.auth.WorkspaceSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lays out and guards the directories code-server's unix sockets live in:
 * {@code $CODERMON_HOME/sockets/<workspace id>/code-server.sock} ({@link WorkspaceSocket}).
 *
 * <p>{@code sockets/} belongs to the control plane's user with mode {@code 0700}, so no other local user
 * can even reach a socket in it; the proxy runs as the same user. Each workspace has its own directory
 * below it, so a workspace never sees another's socket, and a socket path is never reused by another
 * workspace (ids are never reused). Symbolic links are never followed: a workspace that could write its
 * directory might otherwise point its "socket" at another workspace's socket or at the Docker daemon's.
 */
final class WorkspaceSockets {

    static final String SOCKET_NAME = WorkspaceSocket.FILE_NAME;
    static final int MAX_SOCKET_PATH_BYTES = WorkspaceSocket.MAX_PATH_BYTES;
    /** Workspace ids are UUIDs; the layout must leave room for one. */
    private static final int ID_LENGTH = 36;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final String OWNER_ONLY = "rwx------";
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** The mode code-server is told to give its socket ({@code --socket-mode 600}). */
    static final String SOCKET_MODE = "600";
    private static final int SOCKET_PERMISSIONS = 0600;

    private final Path root;
    private final int ownUid;
    private final int ownGid;

    private WorkspaceSockets(Path root, int ownUid, int ownGid) {
        this.root = root;
        this.ownUid = ownUid;
        this.ownGid = ownGid;
    }

    /**
     * Opens the sockets directory, creating it if needed, and makes it owner-only.
     *
     * @throws IllegalStateException if it is not a directory of the control plane's user, or its paths would
     *                               be too long for unix sockets
     */
    public static WorkspaceSockets open(Path root) {
        Path dir = root.toAbsolutePath().normalize();
        int longest = bytes(dir.resolve("x".repeat(ID_LENGTH)).resolve(SOCKET_NAME));
        if (longest > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalStateException("workspace sockets under " + dir + " would have paths of " + longest
                    + " bytes, more than the " + MAX_SOCKET_PATH_BYTES + " a unix socket path may have; use a"
                    + " shorter data directory (--home / CODERMON_HOME)");
        }
        UnixSystem self = new UnixSystem();
        int uid = (int) self.getUid();
        int gid = (int) self.getGid();
        try {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException exists) {
                // checked below
            }
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory()) {
                throw new IllegalStateException(dir + " must be a directory (not a symbolic link); remove it");
            }
            int owner = uidOf(dir);
            if (owner != uid) {
                throw new IllegalStateException(dir + " belongs to uid " + owner + ", not to the control plane's"
                        + " user (uid " + uid + "); remove it, or run the control plane as its owner");
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(OWNER_ONLY));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the workspace sockets directory " + dir + ": "
                    + e.getMessage(), e);
        }
        return new WorkspaceSockets(dir, uid, gid);
    }

    /** Returns {@code $CODERMON_HOME/sockets}. */
    Path root() {
        return root;
    }

    /** Returns the control plane's own uid (0 when it runs as root). */
    int ownUid() {
        return ownUid;
    }

    /**
     * Returns the workspace's socket directory.
     *
     * @throws IllegalArgumentException if the id would name anything but a directory right under the root
     */
    Path directory(String workspaceId) {
        if (workspaceId == null || !ID.matcher(workspaceId).matches()) {
            throw new IllegalArgumentException("workspace id '" + workspaceId + "' cannot name a socket directory");
        }
        return root.resolve(workspaceId);
    }

    /**
     * Returns the path of the workspace's code-server socket.
     *
     * @throws IllegalArgumentException if the id is not fit for a directory name or the path is too long
     */
    public Path socket(String workspaceId) {
        Path socket = directory(workspaceId).resolve(SOCKET_NAME);
        if (bytes(socket) > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalArgumentException("socket path " + socket + " is longer than the "
                    + MAX_SOCKET_PATH_BYTES + " bytes a unix socket path may have");
        }
        return socket;
    }

    /**
     * Replaces the workspace's directory with a new, empty one owned by the control plane's user, mode
     * {@code 0700}: what a local process's code-server needs to create its socket.
     */
    Path reset(String workspaceId) throws IOException {
        return reset(workspaceId, ownUid, ownGid);
    }

    /**
     * Replaces the workspace's directory with a new, empty one owned by the given user and group, mode
     * {@code 0700}, so that whatever an earlier instance left in it (a stale socket, a symbolic link) is
     * gone and code-server running as that user can create its socket. Changing the owner to another
     * user needs root.
     */
    Path reset(String workspaceId, int uid, int gid) throws IOException {
        Path dir = directory(workspaceId);
        deleteTree(dir);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(OWNER_ONLY));
        if (uid != ownUid || gid != ownGid) {
            Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        }
        return dir;
    }

    /**
     * Takes the workspace's directory back from the workspace once its socket exists: owned by the
     * control plane's user, mode {@code 0700}, so the workspace can no longer replace its socket (with a
     * symbolic link to another workspace's socket or to the Docker daemon's). Checks afterwards that what
     * sits at the socket's path (and at the SSH socket's, if anything does) is a socket: from then on
     * nobody but the control plane's user can change it.
     *
     * @throws IOException if the directory or the socket is not what it must be
     */
    void lockDown(String workspaceId) throws IOException {
        Path dir = directory(workspaceId);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory");
        }
        Files.setAttribute(dir, "unix:uid", ownUid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:gid", ownGid, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(OWNER_ONLY));
        if (!isSocket(socket(workspaceId))) {
            throw new IOException(socket(workspaceId) + " is not a socket (a symbolic link or another file"
                    + " was put in its place)");
        }
        // The SSH socket beside it, if the image has an SSH server, gets the same check.
        Path ssh = dir.resolve(WorkspaceSocket.SSH_FILE_NAME);
        if (Files.exists(ssh, LinkOption.NOFOLLOW_LINKS) && !isSocket(ssh)) {
            throw new IOException(ssh + " is not a socket (a symbolic link or another file was put in its place)");
        }
    }

    /** Deletes the workspace's directory and what is in it, following no symbolic link; tolerates its absence. */
    void remove(String workspaceId) throws IOException {
        deleteTree(directory(workspaceId));
    }

    /**
     * Returns whether the path itself is a unix socket, without following a symbolic link (a link to a
     * socket is not a socket).
     */
    static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Returns whether code-server has finished setting up its socket: it exists as a socket (not a link)
     * and has been given {@value #SOCKET_MODE}. code-server creates the socket, then changes its mode
     * through the directory; taking the directory back before that makes code-server exit (EACCES).
     */
    static boolean isFinishedSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK && (mode & 07777) == SOCKET_PERMISSIONS;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "sockets in " + root;
    }

    private static int uidOf(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** Deletes a directory tree; {@link Files#walk} does not follow links, so a link is deleted, not its target. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (NoSuchFileException gone) {
                // removed meanwhile
            }
        }
    }
}
