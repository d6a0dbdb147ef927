package dev.codermon.controlplane.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the create request of a workspace's container, with every hardening setting in one place.
 *
 * <p>Published on {@code 127.0.0.1} only; runs as uid 1000, unprivileged, with every capability dropped,
 * {@code no-new-privileges}, memory/CPU/pids limits, an init process, a read-only root file system, and
 * no host path mounted (so no Docker socket): the only mounts are the workspace's named volume at
 * {@code /home/coder} and a size-limited {@code /tmp}.
 */
final class ContainerBlueprint {

    static final String PUBLISH_IP = "127.0.0.1";
    static final int CODE_SERVER_PORT = 8080;
    static final String HOME = "/home/coder";
    static final String PROJECT = HOME + "/project";
    static final String USER = "1000:1000";
    private static final String TMP_SIZE = "512m";
    private static final String CONTAINER_PREFIX = "codermon-";
    private static final String VOLUME_PREFIX = "codermon-ws-";
    /**
     * The arguments after {@code code-server --bind-addr 0.0.0.0:8080} (both this project's image and the
     * published {@code codercom/code-server} image start it so, and pass these on).
     */
    private static final List<String> COMMAND = List.of("--auth", "none", "--disable-telemetry",
            "--disable-update-check", "--disable-workspace-trust");

    private final String image;
    private final ContainerLimits limits;
    private final ContainerLabels labels;

    ContainerBlueprint(String image, ContainerLimits limits, ContainerLabels labels) {
        this.image = image;
        this.limits = limits;
        this.labels = labels;
    }

    /** Returns the workspace's container name; Docker keeps names unique, a second guard against doubles. */
    static String containerName(String workspaceId) {
        return CONTAINER_PREFIX + workspaceId;
    }

    /** Returns the workspace id a container name stands for, or empty if it is not one of ours. */
    static Optional<String> workspaceIdOf(String containerName) {
        if (containerName == null || !containerName.startsWith(CONTAINER_PREFIX)
                || containerName.length() == CONTAINER_PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(containerName.substring(CONTAINER_PREFIX.length()));
    }

    /** Returns the name of the volume that holds the workspace's home directory. */
    static String volumeName(String workspaceId) {
        return VOLUME_PREFIX + workspaceId;
    }

    String image() {
        return image;
    }

    ContainerLabels labels() {
        return labels;
    }

    /**
     * Returns code-server's arguments for the workspace: {@code --proxy-domain <workspace host>} makes
     * {@code <port>.<workspace host>} reach that port inside the container (workspace apps), through
     * the one published port.
     */
    static List<String> command(WorkspaceSpec spec) {
        List<String> command = new java.util.ArrayList<>(COMMAND);
        command.addAll(List.of("--proxy-domain", spec.hostname(), PROJECT));
        return command;
    }

    /** Returns the create request for the workspace, published on {@code 127.0.0.1:hostPort}. */
    CreateContainerCmd createCommand(DockerClient docker, WorkspaceSpec spec, int hostPort) {
        ExposedPort codeServer = ExposedPort.tcp(CODE_SERVER_PORT);
        HostConfig host = HostConfig.newHostConfig()
                .withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort(PUBLISH_IP, hostPort), codeServer))
                .withMounts(List.of(new Mount().withType(MountType.VOLUME).withSource(volumeName(spec.id()))
                        .withTarget(HOME)))
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
                .withName(containerName(spec.id()))
                .withHostName(spec.name())
                .withUser(USER)
                .withWorkingDir(PROJECT)
                .withCmd(command(spec))
                .withExposedPorts(codeServer)
                .withLabels(labels.of(spec))
                .withHostConfig(host);
    }
}
