package dev.codermon.auth;

import java.nio.file.Path;

/**
 * Names where a workspace's code-server listens: a unix socket, never a TCP port. On the host it is
 * {@code $CODERMON_HOME/sockets/<workspace id>/code-server.sock} (the control plane writes that path into the
 * workspace's route, the proxy connects to it); inside a container the workspace's directory is mounted at
 * {@value #CONTAINER_DIR}, so code-server is started with {@code --socket} {@value #CONTAINER_PATH}.
 */
public final class WorkspaceSocket {

    /** The socket's file name in the workspace's directory. */
    public static final String FILE_NAME = "code-server.sock";
    /** Where the workspace's socket directory appears inside its container. */
    public static final String CONTAINER_DIR = "/run/codermon";
    /** The socket's path inside the container. */
    public static final String CONTAINER_PATH = CONTAINER_DIR + "/" + FILE_NAME;
    /**
     * The file name of the workspace's SSH socket, next to code-server's in the same directory: an SSH
     * server in inetd mode behind it, for {@code CONNECT <workspace host>:22} (docs/ssh.md). A workspace
     * whose runtime has no SSH server has no such socket.
     */
    public static final String SSH_FILE_NAME = "ssh.sock";
    /** The SSH socket's path inside the container. */
    public static final String SSH_CONTAINER_PATH = CONTAINER_DIR + "/" + SSH_FILE_NAME;
    /** A unix socket path is at most 107 bytes ({@code sun_path} holds 108 with the terminating NUL). */
    public static final int MAX_PATH_BYTES = 107;

    private WorkspaceSocket() {
    }

    /** Returns the workspace's socket directory on the host: {@code $CODERMON_HOME/sockets/<workspace id>}. */
    public static Path directory(CodermonHome home, String workspaceId) {
        return home.socketsDir().resolve(workspaceId);
    }

    /**
     * Returns the workspace's SSH socket, given its code-server socket (a route's upstream socket): the
     * file {@value #SSH_FILE_NAME} in the same directory. Both sides derive it so, the route names only one.
     */
    public static String sshSocketBeside(String codeServerSocket) {
        Path sibling = Path.of(codeServerSocket).resolveSibling(SSH_FILE_NAME);
        return sibling.toString();
    }

    /** Returns the workspace's socket on the host: {@code $CODERMON_HOME/sockets/<workspace id>/code-server.sock}. */
    public static Path path(CodermonHome home, String workspaceId) {
        return directory(home, workspaceId).resolve(FILE_NAME);
    }
}
