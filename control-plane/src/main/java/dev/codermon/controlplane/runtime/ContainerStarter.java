package dev.codermon.controlplane.runtime;

import dev.codermon.auth.DockerNames;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one workspace's container (creating it, or adopting the one that holds its name) and waits until
 * code-server answers on its socket, taking the socket directory back from the workspace as soon as the
 * socket exists (see {@link DockerRuntime}). The caller serializes starts of one workspace.
 */
final class ContainerStarter {

    private static final Logger log = LoggerFactory.getLogger(ContainerStarter.class);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private final DockerClient docker;
    private final DockerContainers containers;
    private final ContainerBlueprint blueprint;
    private final String instance;
    private final WorkspaceSockets sockets;
    private final HealthProbe probe;
    private final Duration readyTimeout;
    private final WorkspaceSshFiles ssh;

    ContainerStarter(DockerClient docker, DockerContainers containers, ContainerBlueprint blueprint,
            WorkspaceSockets sockets, HealthProbe probe, Duration readyTimeout, WorkspaceSshFiles ssh) {
        this.ssh = ssh;
        this.docker = docker;
        this.containers = containers;
        this.blueprint = blueprint;
        this.instance = blueprint.instance();
        this.sockets = sockets;
        this.probe = probe;
        this.readyTimeout = readyTimeout;
    }

    /** Starts the workspace's container and returns once code-server is ready. */
    RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        String name = DockerNames.containerName(spec.id());
        Path socketDir = socketDirectory(spec);
        containers.ensureVolume(spec);
        for (int attempt = 1; ; attempt++) {
            Optional<InspectContainerResponse> existing = containers.inspect(name);
            if (existing.isPresent()) {
                InspectContainerResponse c = existing.get();
                if (!DockerNames.isOwned(c.getConfig().getLabels(), instance, spec.id())) {
                    throw new RuntimeStartException("a container named " + name + " exists that this control"
                            + " plane did not create; remove it (docker rm -f " + name + ")");
                }
                if (!ContainerBlueprint.mountsSocketDirectory(c, socketDir)) {
                    // An older control plane's container (a published port, no socket): make a new one.
                    if (attempt > 1) {
                        throw new RuntimeStartException("container " + name + " of an older control plane could"
                                + " not be replaced; remove it (docker rm -f " + name + ")");
                    }
                    log.info("workspace {}: container {} has no socket directory, replacing it", spec.id(), name);
                    containers.remove(name);
                    continue;
                }
                if (!DockerContainers.running(c)) {
                    resetSocketDirectory(spec);
                }
                log.info("workspace {}: adopting existing container {}", spec.id(), name);
            } else {
                resetSocketDirectory(spec);
                prepareSsh(spec);
                try {
                    blueprint.createCommand(docker, spec, socketDir, ssh.workspaceDir(spec.id()),
                            ssh.userDir(spec.user())).exec();
                } catch (ConflictException nameTaken) {
                    // Another control plane is creating it; Docker reserves the name before the container
                    // can be inspected: wait a little and look again.
                    if (System.nanoTime() - deadline > 0) {
                        throw new RuntimeStartException("container " + name + " keeps appearing and vanishing");
                    }
                    pause(Math.min(50L * attempt, 500L));
                    continue;
                } catch (NotFoundException noImage) {
                    throw new RuntimeStartException("image " + blueprint.image() + " is not on this Docker host;"
                            + " build it with scripts/build-image or set --image / CODERMON_IMAGE", noImage);
                } catch (DockerException e) {
                    throw new RuntimeStartException("Docker refused to create the container: " + e.getMessage(), e);
                }
            }
            try {
                docker.startContainerCmd(name).exec();
                log.info("workspace {}: started container {}, code-server on {}", spec.id(), name,
                        sockets.socket(spec.id()));
            } catch (NotModifiedException alreadyRunning) {
                // The adopted container runs already.
            } catch (DockerException e) {
                containers.remove(name);
                throw new RuntimeStartException("Docker could not start the container: " + e.getMessage(), e);
            }
            return awaitReady(spec, name, deadline);
        }
    }

    private Path socketDirectory(WorkspaceSpec spec) throws RuntimeStartException {
        try {
            sockets.socket(spec.id());
            return sockets.directory(spec.id());
        } catch (IllegalArgumentException e) {
            throw new RuntimeStartException(e.getMessage(), e);
        }
    }

    /** Gives the container's user a new, empty socket directory, so code-server can create its socket. */
    private void resetSocketDirectory(WorkspaceSpec spec) throws RuntimeStartException {
        try {
            sockets.reset(spec.id(), ContainerBlueprint.UID, ContainerBlueprint.GID);
        } catch (IOException e) {
            throw new RuntimeStartException("cannot prepare the workspace's socket directory "
                    + sockets.directory(spec.id()) + ": " + e.getMessage(), e);
        }
    }

    /** Writes the SSH server's config and, the first time, its host key, before the container mounts them. */
    private void prepareSsh(WorkspaceSpec spec) throws RuntimeStartException {
        try {
            ssh.prepare(spec.id(), spec.user(), ContainerBlueprint.UID, ContainerBlueprint.GID);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw new RuntimeStartException(e.getMessage(), e);
        }
    }

    private static void pause(long millis) throws RuntimeStartException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeStartException("interrupted while starting the container", e);
        }
    }

    /**
     * Waits for code-server's socket, takes the socket directory back from the workspace as soon as
     * code-server has set the socket up (created it and given it its mode), then waits for {@code /healthz}
     * to answer over it.
     */
    private RuntimeHandle awaitReady(WorkspaceSpec spec, String name, long deadline) throws RuntimeStartException {
        Path socket = sockets.socket(spec.id());
        boolean lockedDown = false;
        try {
            while (true) {
                if (!lockedDown && WorkspaceSockets.isFinishedSocket(socket)) {
                    sockets.lockDown(spec.id());
                    lockedDown = true;
                }
                if (lockedDown && probe.isHealthy(socket.toString())) {
                    return new RuntimeHandle(socket.toString(), name);
                }
                Optional<InspectContainerResponse> c = containers.inspect(name);
                if (c.isEmpty()) {
                    throw new RuntimeStartException("container " + name + " was removed while it was starting");
                }
                InspectContainerResponse.ContainerState state = c.get().getState();
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    String tail = containers.logTail(name);
                    containers.remove(name);
                    throw new RuntimeStartException("code-server exited with status " + state.getExitCodeLong()
                            + (Boolean.TRUE.equals(state.getOOMKilled()) ? " (out of memory)" : "")
                            + " before it was ready" + (tail.isEmpty() ? "" : ": " + tail));
                }
                if (System.nanoTime() - deadline > 0) {
                    String tail = containers.logTail(name);
                    containers.remove(name);
                    log.warn("workspace {}: not ready within {} ms, container removed; its last output: {}",
                            spec.id(), readyTimeout.toMillis(), tail);
                    throw new RuntimeStartException("code-server did not answer /healthz within "
                            + readyTimeout.toMillis() / 1000.0 + "s; the container was removed, the files are kept");
                }
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            containers.remove(name);
            throw new RuntimeStartException("interrupted while waiting for code-server", e);
        } catch (IOException e) {
            containers.remove(name);
            log.warn("workspace {}: its socket directory was tampered with, container removed: {}", spec.id(),
                    e.getMessage());
            throw new RuntimeStartException("the workspace's socket could not be secured (" + e.getMessage()
                    + "); the container was removed, the files are kept", e);
        } catch (RuntimeException e) {
            containers.remove(name);
            throw new RuntimeStartException("lost track of container " + name + ": " + e.getMessage(), e);
        }
    }
}
