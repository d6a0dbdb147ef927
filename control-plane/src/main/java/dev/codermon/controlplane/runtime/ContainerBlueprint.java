package dev.codermon.controlplane.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.RestartPolicy;
import dev.codermon.auth.DockerNames;
import dev.codermon.auth.WorkspaceSocket;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds the create request of a workspace's container, with every hardening setting in one place.
 *
 * <p>No port is published: code-server listens on a unix socket in the workspace's own socket directory,
 * bind-mounted at {@value #SOCKET_DIR} (see {@link WorkspaceSockets}), which only the control plane's user
 * (and so the proxy) can reach on the host. Runs as uid 1000, unprivileged, with every capability dropped,
 * {@code no-new-privileges}, memory/CPU/pids limits, an init process and a read-only root file system. The
 * mounts are the workspace's named volume at {@code /home/coder}, its socket directory, its SSH files
 * (read-only) and a size-limited {@code /tmp}; no other host path (so no Docker socket).
 */
final class ContainerBlueprint {

    /** Where the workspace's socket directory appears inside the container. */
    static final String SOCKET_DIR = WorkspaceSocket.CONTAINER_DIR;
    static final String SOCKET = WorkspaceSocket.CONTAINER_PATH;
    static final String HOME = "/home/coder";
    static final String PROJECT = HOME + "/project";
    static final int UID = 1000;
    static final int GID = 1000;
    static final String USER = UID + ":" + GID;
    private static final String TMP_SIZE = "512m";
    /**
     * The arguments after {@code code-server --bind-addr 0.0.0.0:8080} (both this project's image and the
     * published {@code codercom/code-server} image start it so, and pass these on). {@code --socket}
     * overrides {@code --bind-addr}: code-server listens on no TCP port at all. Mode 600: only the
     * workspace's user inside, and root outside (the proxy), may connect.
     */
    private static final List<String> COMMAND = List.of("--socket", SOCKET,
            "--socket-mode", WorkspaceSockets.SOCKET_MODE,
            "--auth", "none", "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust");

    /**
     * Starts the workspace's SSH server next to code-server, if the image has one (docs/ssh.md): socat
     * listens on {@value WorkspaceSocket#SSH_CONTAINER_PATH} (mode 600, no TCP port) and hands each
     * connection to {@code sshd -i} with the workspace's own config; the socket exists before code-server
     * starts, so it is in place when the directory is taken back. Then code-server replaces the shell.
     * An image without sshd or socat (the published one) simply has no SSH socket.
     */
    private static final String LAUNCHER = """
            if [ -x /usr/sbin/sshd ] && command -v socat >/dev/null 2>&1; then
              socat -lp codermon-ssh UNIX-LISTEN:%1$s,fork,mode=600 \\
                EXEC:"/usr/sbin/sshd -i -e -f %2$s/sshd_config" &
              i=0
              while [ ! -S %1$s ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            fi
            exec code-server --bind-addr 0.0.0.0:8080 "$@"
            """.formatted(WorkspaceSocket.SSH_CONTAINER_PATH, WorkspaceSshFiles.CONTAINER_CONFIG_DIR);

    private final String image;
    private final ContainerLimits limits;
    private final String instance;
    private final String network;

    /** @param network the Docker network every workspace joins ({@link WorkspaceNetwork}) */
    ContainerBlueprint(String image, ContainerLimits limits, String instance, String network) {
        this.image = image;
        this.limits = limits;
        this.instance = instance;
        this.network = network;
    }

    String image() {
        return image;
    }

    String instance() {
        return instance;
    }

    /**
     * Returns code-server's arguments for the workspace: {@code --proxy-domain <workspace host>} makes
     * {@code <port>.<workspace host>} reach that port inside the container (workspace apps), through
     * code-server's one socket.
     */
    static List<String> command(WorkspaceSpec spec) {
        List<String> command = new java.util.ArrayList<>(COMMAND);
        command.addAll(List.of("--proxy-domain", spec.hostname(), PROJECT));
        return command;
    }

    /** Returns whether the container mounts this socket directory where code-server puts its socket. */
    static boolean mountsSocketDirectory(InspectContainerResponse c, Path socketDir) {
        List<InspectContainerResponse.Mount> mounts = c.getMounts();
        return mounts != null && mounts.stream().anyMatch(m -> m.getDestination() != null
                && SOCKET_DIR.equals(m.getDestination().getPath()) && socketDir.toString().equals(m.getSource()));
    }

    /**
     * Returns the create request for the workspace: no port published, its socket directory (on the host)
     * bind-mounted at {@value #SOCKET_DIR}.
     */
    CreateContainerCmd createCommand(DockerClient docker, WorkspaceSpec spec, Path socketDir, Path sshDir,
            Path sshKeysDir) {
        HostConfig host = HostConfig.newHostConfig()
                // The workspace network, not Docker's default bridge: no traffic between workspaces.
                .withNetworkMode(network)
                .withMounts(List.of(
                        new Mount().withType(MountType.VOLUME).withSource(DockerNames.volumeName(spec.id())).withTarget(HOME),
                        new Mount().withType(MountType.BIND).withSource(socketDir.toString()).withTarget(SOCKET_DIR),
                        // The SSH server's config, host key and the owner's keys: read-only, the control plane's.
                        new Mount().withType(MountType.BIND).withSource(sshDir.toString())
                                .withTarget(WorkspaceSshFiles.CONTAINER_CONFIG_DIR).withReadOnly(true),
                        new Mount().withType(MountType.BIND).withSource(sshKeysDir.toString())
                                .withTarget(WorkspaceSshFiles.CONTAINER_KEYS_DIR).withReadOnly(true)))
                .withPrivileged(false)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges:true"))
                .withMemory(limits.memoryBytes())
                .withMemorySwap(limits.memoryBytes())
                .withNanoCPUs(limits.nanoCpus())
                .withPidsLimit(limits.pids())
                // An init as PID 1 reaps the orphans of terminal sessions, so they do not eat the pids limit.
                .withInit(true)
                // Only the home volume and a private /tmp are writable.
                .withReadonlyRootfs(true)
                .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,mode=1777,size=" + TMP_SIZE))
                .withRestartPolicy(RestartPolicy.noRestart());
        return docker.createContainerCmd(image)
                .withName(DockerNames.containerName(spec.id()))
                .withHostName(spec.name())
                .withUser(USER)
                .withWorkingDir(PROJECT)
                .withEntrypoint("/bin/sh", "-c", LAUNCHER, "codermon-launcher")
                .withCmd(command(spec))
                .withLabels(DockerNames.labels(instance, spec.id(), spec.user(), spec.name()))
                .withHostConfig(host);
    }
}
