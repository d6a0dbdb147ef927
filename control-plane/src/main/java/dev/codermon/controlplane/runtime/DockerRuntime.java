package dev.codermon.controlplane.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
public final class DockerRuntime implements WorkspaceRuntime {

    private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int STOP_GRACE_SECONDS = 10;
    private static final int LOG_LINES = 15;

    private final DockerDaemon daemon;
    private final DockerClient docker;
    private final ContainerBlueprint blueprint;
    private final ContainerLabels labels;
    private final WorkspaceSockets sockets;
    private final HealthProbe probe;
    private final Duration readyTimeout;
    /** Serializes starts of one workspace, so that one start never resets the socket directory of another. */
    private final Map<String, ReentrantLock> startLocks = new ConcurrentHashMap<>();

    private DockerRuntime(DockerDaemon daemon, ContainerBlueprint blueprint, WorkspaceSockets sockets,
            HealthProbe probe, Duration readyTimeout) {
        this.daemon = daemon;
        this.docker = daemon.client();
        this.blueprint = blueprint;
        this.labels = blueprint.labels();
        this.sockets = sockets;
        this.probe = probe;
        this.readyTimeout = readyTimeout;
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
        return new DockerRuntime(daemon, new ContainerBlueprint(image, limits, ContainerLabels.forHome(home),
                network.name()), sockets, probe, readyTimeout);
    }

    @Override
    public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
        ReentrantLock lock = startLocks.computeIfAbsent(spec.id(), id -> new ReentrantLock());
        lock.lock();
        try {
            return startLocked(spec);
        } finally {
            lock.unlock();
        }
    }

    private RuntimeHandle startLocked(WorkspaceSpec spec) throws RuntimeStartException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        String name = ContainerBlueprint.containerName(spec.id());
        Path socketDir = socketDirectory(spec);
        ensureVolume(spec);
        for (int attempt = 1; ; attempt++) {
            Optional<InspectContainerResponse> existing = inspect(name);
            if (existing.isPresent()) {
                InspectContainerResponse c = existing.get();
                if (!labels.owns(c.getConfig().getLabels(), spec.id())) {
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
                    removeContainer(name);
                    continue;
                }
                if (!running(c)) {
                    resetSocketDirectory(spec);
                }
                log.info("workspace {}: adopting existing container {}", spec.id(), name);
            } else {
                resetSocketDirectory(spec);
                try {
                    blueprint.createCommand(docker, spec, socketDir).exec();
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
                removeContainer(name);
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

    private static void pause(long millis) throws RuntimeStartException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeStartException("interrupted while starting the container", e);
        }
    }

    @Override
    public void stop(String runtimeRef) {
        if (inspectOwned(runtimeRef).isEmpty()) {
            return;
        }
        log.info("stopping container {}", runtimeRef);
        try {
            docker.stopContainerCmd(runtimeRef).withTimeout(STOP_GRACE_SECONDS).exec();
        } catch (NotModifiedException | NotFoundException alreadyStoppedOrGone) {
            // nothing to stop
        }
        removeContainer(runtimeRef);
    }

    @Override
    public Optional<Instant> startedAt(String runtimeRef) {
        return inspectOwned(runtimeRef)
                .filter(DockerRuntime::running)
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
        return ContainerBlueprint.workspaceIdOf(runtimeRef).isPresent();
    }

    @Override
    public boolean isAlive(String runtimeRef) {
        return inspectOwned(runtimeRef).filter(DockerRuntime::running).isPresent();
    }

    @Override
    public void remove(String workspaceId) {
        String name = ContainerBlueprint.containerName(workspaceId);
        inspectOwned(name).ifPresent(c -> removeContainer(name));
        String volume = ContainerBlueprint.volumeName(workspaceId);
        try {
            if (labels.owns(docker.inspectVolumeCmd(volume).exec().getLabels(), workspaceId)) {
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
        startLocks.remove(workspaceId);
    }

    /**
     * Lists the ports something listens on inside the container (its own network namespace), read from
     * {@code /proc/net/tcp} and {@code tcp6} through {@code docker exec} (code-server itself has no TCP port).
     */
    @Override
    public List<Integer> listeningPorts(String runtimeRef) {
        if (inspectOwned(runtimeRef).filter(DockerRuntime::running).isEmpty()) {
            return List.of();
        }
        StringBuilder out = new StringBuilder();
        try {
            String exec = docker.execCreateCmd(runtimeRef).withCmd("cat", "/proc/net/tcp", "/proc/net/tcp6")
                    .withAttachStdout(true).withAttachStderr(false).exec().getId();
            docker.execStartCmd(exec).exec(appendingTo(out)).awaitCompletion(10, TimeUnit.SECONDS);
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
        return containers().stream().map(Instance::runtimeRef).toList();
    }

    /** Lists every container this control plane created, found by their labels (so after a restart too). */
    @Override
    public Optional<List<Instance>> managedInstances() {
        return Optional.of(containers());
    }

    private List<Instance> containers() {
        List<Instance> found = new ArrayList<>();
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(labels.filter()).exec()) {
            String id = c.getLabels() == null ? null : c.getLabels().get(ContainerLabels.WORKSPACE);
            Arrays.stream(c.getNames())
                    .map(n -> n.startsWith("/") ? n.substring(1) : n)
                    .filter(n -> id != null && n.equals(ContainerBlueprint.containerName(id)))
                    .findFirst()
                    .ifPresent(n -> found.add(new Instance(id, n)));
        }
        return found;
    }

    @Override
    public void close() {
        daemon.close();
    }

    @Override
    public String toString() {
        return "image " + blueprint.image() + " on " + daemon + ", " + sockets;
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
                Optional<InspectContainerResponse> c = inspect(name);
                if (c.isEmpty()) {
                    throw new RuntimeStartException("container " + name + " was removed while it was starting");
                }
                InspectContainerResponse.ContainerState state = c.get().getState();
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    String tail = logTail(name);
                    removeContainer(name);
                    throw new RuntimeStartException("code-server exited with status " + state.getExitCodeLong()
                            + (Boolean.TRUE.equals(state.getOOMKilled()) ? " (out of memory)" : "")
                            + " before it was ready" + (tail.isEmpty() ? "" : ": " + tail));
                }
                if (System.nanoTime() - deadline > 0) {
                    String tail = logTail(name);
                    removeContainer(name);
                    log.warn("workspace {}: not ready within {} ms, container removed; its last output: {}",
                            spec.id(), readyTimeout.toMillis(), tail);
                    throw new RuntimeStartException("code-server did not answer /healthz within "
                            + readyTimeout.toMillis() / 1000.0 + "s; the container was removed, the files are kept");
                }
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            removeContainer(name);
            throw new RuntimeStartException("interrupted while waiting for code-server", e);
        } catch (IOException e) {
            removeContainer(name);
            log.warn("workspace {}: its socket directory was tampered with, container removed: {}", spec.id(),
                    e.getMessage());
            throw new RuntimeStartException("the workspace's socket could not be secured (" + e.getMessage()
                    + "); the container was removed, the files are kept", e);
        } catch (RuntimeException e) {
            removeContainer(name);
            throw new RuntimeStartException("lost track of container " + name + ": " + e.getMessage(), e);
        }
    }

    private void ensureVolume(WorkspaceSpec spec) throws RuntimeStartException {
        String volume = ContainerBlueprint.volumeName(spec.id());
        try {
            Map<String, String> existing = docker.inspectVolumeCmd(volume).exec().getLabels();
            if (!labels.owns(existing, spec.id())) {
                throw new RuntimeStartException("a volume named " + volume + " exists that this control plane did"
                        + " not create; it is left alone and the workspace cannot use it");
            }
        } catch (NotFoundException absent) {
            // Creating an existing volume returns it, so a concurrent create is harmless.
            docker.createVolumeCmd().withName(volume).withLabels(labels.of(spec)).exec();
            log.info("workspace {}: created volume {}", spec.id(), volume);
        }
    }

    /** Collects a command's or log's output frames as text. */
    private static ResultCallback.Adapter<Frame> appendingTo(StringBuilder out) {
        return new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        };
    }

    /** Inspects a container by its name, if it is one of this instance's workspace containers. */
    private Optional<InspectContainerResponse> inspectOwned(String name) {
        return ContainerBlueprint.workspaceIdOf(name)
                .flatMap(id -> inspect(name).filter(c -> labels.owns(c.getConfig().getLabels(), id)));
    }

    private static boolean running(InspectContainerResponse c) {
        return Boolean.TRUE.equals(c.getState().getRunning());
    }

    private Optional<InspectContainerResponse> inspect(String name) {
        try {
            return Optional.of(docker.inspectContainerCmd(name).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private void removeContainer(String name) {
        try {
            docker.removeContainerCmd(name).withForce(true).withRemoveVolumes(false).exec();
        } catch (NotFoundException alreadyGone) {
            // nothing to remove
        } catch (ConflictException removalInProgress) {
            log.debug("container {} is already being removed", name);
        } catch (DockerException e) {
            log.warn("could not remove container {}: {}", name, e.getMessage());
        }
    }

    private String logTail(String name) {
        StringBuilder out = new StringBuilder();
        try {
            docker.logContainerCmd(name).withStdOut(true).withStdErr(true).withTail(LOG_LINES)
                    .exec(appendingTo(out)).awaitCompletion(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "";
        }
        return out.toString().strip().replaceAll("\\s*\\n\\s*", " | ");
    }
}
