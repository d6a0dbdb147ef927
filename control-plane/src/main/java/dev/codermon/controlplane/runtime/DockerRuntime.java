package dev.codermon.controlplane.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.DockerNames;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each workspace's code-server in its own hardened container (see {@link ContainerBlueprint}), with
 * the workspace's files in a named volume and no published port: code-server listens on a unix socket in
 * the workspace's socket directory ({@link WorkspaceSockets}), bind-mounted into the container.
 *
 * <p>Before a container starts, its socket directory is replaced by a new one owned by the container's
 * user (uid 1000), so that code-server can create its socket; as soon as the socket exists the directory
 * is taken back (owned by the control plane's user, mode 0700), so the workspace can no longer swap its
 * socket for a symbolic link to another workspace's socket or to the Docker daemon's. Only then is
 * {@code /healthz} asked, and only a socket is ever connected to. That ownership change needs root.
 *
 * <p>The runtime reference is the container name, {@code codermon-<workspace id>}: deterministic, so
 * Docker's name uniqueness stops a second container for one workspace, and a start that finds the name
 * taken adopts the container that holds it. Stopping removes the container and keeps the volume (a later
 * start makes a fresh container on the same volume, with the current image and limits); removing drops
 * the volume and the socket directory too. Nothing without this control plane's labels is ever touched.
 */
final class DockerRuntime implements WorkspaceRuntime {

    private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);

    private static final int STOP_GRACE_SECONDS = 10;

    private final DockerDaemon daemon;
    private final DockerClient docker;
    private final ContainerBlueprint blueprint;
    private final String instance;
    private final WorkspaceSockets sockets;
    private final DockerContainers containers;
    private final ContainerStarter starter;
    private final WorkspaceSshFiles ssh;
    /** Serializes starts of one workspace, so that one start never resets the socket directory of another. */
    private final Map<String, ReentrantLock> startLocks = new ConcurrentHashMap<>();

    private DockerRuntime(DockerDaemon daemon, ContainerBlueprint blueprint, WorkspaceSockets sockets,
            HealthProbe probe, Duration readyTimeout, WorkspaceSshFiles ssh) {
        this.daemon = daemon;
        this.ssh = ssh;
        this.docker = daemon.client();
        this.blueprint = blueprint;
        this.instance = blueprint.instance();
        this.sockets = sockets;
        this.containers = new DockerContainers(docker, instance);
        this.starter = new ContainerStarter(docker, containers, blueprint, sockets, probe, readyTimeout, ssh);
    }

    /**
     * Creates the runtime; it owns (and closes) the daemon client.
     *
     * @param home the control plane's data directory; its hash labels every container and volume
     * @throws IllegalStateException if the control plane does not run as root, which handing each socket
     *                               directory to the container's user and back needs
     */
    public static DockerRuntime create(DockerDaemon daemon, String image, ContainerLimits limits, Path home,
            WorkspaceSockets sockets, HealthProbe probe, Duration readyTimeout, WorkspaceEgress egress) {
        WorkspaceNetwork network = WorkspaceNetwork.standard(egress);
        return create(daemon, image, limits, home, sockets, probe, readyTimeout, network,
                new WorkspaceFirewall(network.bridge(), HostResolvers.read(), new ProcessCommandRunner()));
    }

    /**
     * Creates the runtime on the given network, after installing its firewall rules and making sure the
     * network is right; refuses to start without either.
     *
     * @throws IllegalStateException saying what stands in the way of isolating workspaces
     */
    static DockerRuntime create(DockerDaemon daemon, String image, ContainerLimits limits, Path home,
            WorkspaceSockets sockets, HealthProbe probe, Duration readyTimeout, WorkspaceNetwork network,
            WorkspaceFirewall firewall) {
        if (sockets.ownUid() != 0) {
            throw new IllegalStateException("the Docker runtime needs the control plane to run as root (uid "
                    + sockets.ownUid() + " now): it hands each workspace's socket directory to the container's"
                    + " user for code-server to create its socket, and takes it back once it exists");
        }
        // Rules first: no container joins the network before they are in place.
        firewall.install();
        network.ensure(daemon.client());
        return new DockerRuntime(daemon, new ContainerBlueprint(image, limits, DockerNames.instanceOf(home),
                network.name()), sockets, probe, readyTimeout, new WorkspaceSshFiles(new CodermonHome(home).sshDir()));
    }

    @Override
    public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
        ReentrantLock lock = startLocks.computeIfAbsent(spec.id(), id -> new ReentrantLock());
        lock.lock();
        try {
            return starter.start(spec);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void stop(String runtimeRef) {
        if (containers.inspectOwned(runtimeRef).isEmpty()) {
            return;
        }
        log.info("stopping container {}", runtimeRef);
        try {
            docker.stopContainerCmd(runtimeRef).withTimeout(STOP_GRACE_SECONDS).exec();
        } catch (NotModifiedException | NotFoundException alreadyStoppedOrGone) {
            // nothing to stop
        }
        containers.remove(runtimeRef);
    }

    @Override
    public Optional<Instant> startedAt(String runtimeRef) {
        return containers.inspectOwned(runtimeRef)
                .filter(DockerContainers::running)
                .map(c -> c.getState().getStartedAt())
                .flatMap(text -> {
                    try {
                        return Optional.of(Instant.parse(text));
                    } catch (java.time.format.DateTimeParseException e) {
                        return Optional.empty();
                    }
                });
    }

    @Override
    public boolean recognizes(String runtimeRef) {
        return DockerNames.workspaceIdOf(runtimeRef).isPresent();
    }

    @Override
    public boolean isAlive(String runtimeRef) {
        return containers.inspectOwned(runtimeRef).filter(DockerContainers::running).isPresent();
    }

    @Override
    public void remove(String workspaceId) {
        String name = DockerNames.containerName(workspaceId);
        containers.inspectOwned(name).ifPresent(c -> containers.remove(name));
        String volume = DockerNames.volumeName(workspaceId);
        try {
            if (DockerNames.isOwned(docker.inspectVolumeCmd(volume).exec().getLabels(), instance, workspaceId)) {
                docker.removeVolumeCmd(volume).exec();
                log.info("workspace {}: removed volume {}", workspaceId, volume);
            }
        } catch (NotFoundException alreadyGone) {
            // nothing to remove
        } catch (ConflictException inUse) {
            log.warn("workspace {}: volume {} is still in use and was kept: {}", workspaceId, volume,
                    inUse.getMessage());
        }
        try {
            sockets.remove(workspaceId);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("workspace {}: could not remove its socket directory: {}", workspaceId, e.getMessage());
        }
        try {
            ssh.remove(workspaceId);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("workspace {}: could not remove its SSH files: {}", workspaceId, e.getMessage());
        }
        startLocks.remove(workspaceId);
    }

    /**
     * Lists the ports something listens on inside the container (its own network namespace), read from
     * {@code /proc/net/tcp} and {@code tcp6} through {@code docker exec} (code-server itself has no TCP port).
     */
    @Override
    public List<Integer> listeningPorts(String runtimeRef) {
        if (containers.inspectOwned(runtimeRef).filter(DockerContainers::running).isEmpty()) {
            return List.of();
        }
        StringBuilder out = new StringBuilder();
        try {
            String exec = docker.execCreateCmd(runtimeRef).withCmd("cat", "/proc/net/tcp", "/proc/net/tcp6")
                    .withAttachStdout(true).withAttachStderr(false).exec().getId();
            docker.execStartCmd(exec).exec(DockerContainers.appendingTo(out)).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (DockerException e) {
            log.debug("cannot list the ports of {}: {}", runtimeRef, e.getMessage());
            return List.of();
        }
        return List.copyOf(ListeningSockets.listeningPorts(out.toString()));
    }

    /** Returns the names of every container this control plane created, running or not. */
    List<String> managedContainers() {
        return containers.list().stream().map(Instance::runtimeRef).toList();
    }

    /** Lists every container this control plane created, found by their labels (so after a restart too). */
    @Override
    public Optional<List<Instance>> managedInstances() {
        return Optional.of(containers.list());
    }

    @Override
    public void close() {
        daemon.close();
    }

    @Override
    public String toString() {
        return "image " + blueprint.image() + " on " + daemon + ", " + sockets;
    }


}
