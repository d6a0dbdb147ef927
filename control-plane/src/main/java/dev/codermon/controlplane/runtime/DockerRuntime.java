package dev.codermon.controlplane.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Ports;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each workspace's code-server in its own hardened container (see {@link ContainerBlueprint}),
 * published on {@code 127.0.0.1:<leased port>}, with the workspace's files in a named volume.
 *
 * <p>The runtime reference is the container name, {@code codermon-<workspace id>}: deterministic, so
 * Docker's name uniqueness stops a second container for one workspace, and a create that finds the name
 * taken adopts the container that holds it. Stopping removes the container and keeps the volume (a later
 * start makes a fresh container on the same volume, with the current image and limits); removing drops
 * the volume too and releases the port into quarantine. Nothing without this control plane's labels is
 * ever touched.
 */
public final class DockerRuntime implements WorkspaceRuntime {

    private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int STOP_GRACE_SECONDS = 10;
    private static final int CREATE_ATTEMPTS = 3;
    private static final int LOG_LINES = 15;

    private final DockerDaemon daemon;
    private final DockerClient docker;
    private final ContainerBlueprint blueprint;
    private final ContainerLabels labels;
    private final PortAllocator ports;
    private final HealthProbe probe;
    private final Duration readyTimeout;

    private DockerRuntime(DockerDaemon daemon, ContainerBlueprint blueprint, PortAllocator ports, HealthProbe probe,
            Duration readyTimeout) {
        this.daemon = daemon;
        this.docker = daemon.client();
        this.blueprint = blueprint;
        this.labels = blueprint.labels();
        this.ports = ports;
        this.probe = probe;
        this.readyTimeout = readyTimeout;
    }

    /**
     * Creates the runtime; it owns (and closes) the daemon client and the port allocator.
     *
     * @param home the control plane's data directory; its hash labels every container and volume
     */
    public static DockerRuntime create(DockerDaemon daemon, String image, ContainerLimits limits, Path home,
            PortAllocator ports, HealthProbe probe, Duration readyTimeout) {
        return new DockerRuntime(daemon, new ContainerBlueprint(image, limits, ContainerLabels.forHome(home)), ports,
                probe, readyTimeout);
    }

    @Override
    public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        String name = ContainerBlueprint.containerName(spec.id());
        ensureVolume(spec);
        int port = ports.portFor(spec.id());
        for (int attempt = 1; ; attempt++) {
            boolean adopted = false;
            try {
                blueprint.createCommand(docker, spec, port).exec();
            } catch (ConflictException nameTaken) {
                Optional<InspectContainerResponse> existing = inspect(name);
                if (existing.isEmpty()) {
                    // Docker reserves the name before a concurrent create finishes, so the container
                    // may not be inspectable yet (or it was just removed): wait a little and look again.
                    if (System.nanoTime() < deadline) {
                        pause(Math.min(50L * attempt, 500L));
                        continue;
                    }
                    throw new RuntimeStartException("container " + name + " keeps appearing and vanishing");
                }
                if (!labels.owns(existing.get().getConfig().getLabels(), spec.id())) {
                    throw new RuntimeStartException("a container named " + name + " exists that this control"
                            + " plane did not create; remove it (docker rm -f " + name + ")");
                }
                port = publishedPort(existing.get()).orElseThrow(() -> new RuntimeStartException(
                        "container " + name + " is not published on " + ContainerBlueprint.PUBLISH_IP));
                adopted = true;
                log.info("workspace {}: adopting existing container {} on port {}", spec.id(), name, port);
            } catch (NotFoundException noImage) {
                throw new RuntimeStartException("image " + blueprint.image() + " is not on this Docker host; build"
                        + " it with scripts/build-image or set --image / CODERMON_IMAGE", noImage);
            } catch (DockerException e) {
                throw new RuntimeStartException("Docker refused to create the container: " + e.getMessage(), e);
            }
            try {
                docker.startContainerCmd(name).exec();
                log.info("workspace {}: started container {} on {}:{}", spec.id(), name,
                        ContainerBlueprint.PUBLISH_IP, port);
            } catch (NotModifiedException alreadyRunning) {
                // Started by the request whose container we adopted.
            } catch (DockerException e) {
                removeContainer(name);
                if (!adopted && attempt < CREATE_ATTEMPTS && isPortTaken(e)) {
                    log.info("workspace {}: port {} is taken by another program, moving", spec.id(), port);
                    port = ports.replace(spec.id());
                    continue;
                }
                throw new RuntimeStartException("Docker could not start the container: " + e.getMessage(), e);
            }
            return awaitReady(spec, name, port, deadline);
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
        ports.release(workspaceId);
    }

    /**
     * Lists the ports something listens on inside the container (its own network namespace), read from
     * {@code /proc/net/tcp} and {@code tcp6} through {@code docker exec}; code-server's own excluded.
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
        List<Integer> ports = new java.util.ArrayList<>(ListeningSockets.listeningPorts(out.toString()));
        ports.remove(Integer.valueOf(ContainerBlueprint.CODE_SERVER_PORT));
        return List.copyOf(ports);
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
        ports.close();
    }

    @Override
    public String toString() {
        return "image " + blueprint.image() + " on " + daemon + ", " + ports;
    }

    private RuntimeHandle awaitReady(WorkspaceSpec spec, String name, int port, long deadline)
            throws RuntimeStartException {
        try {
            while (true) {
                if (probe.isHealthy(ContainerBlueprint.PUBLISH_IP, port)) {
                    return new RuntimeHandle(ContainerBlueprint.PUBLISH_IP, port, name);
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

    private static Optional<Integer> publishedPort(InspectContainerResponse c) {
        Ports.Binding[] bindings = c.getHostConfig().getPortBindings().getBindings()
                .get(ExposedPort.tcp(ContainerBlueprint.CODE_SERVER_PORT));
        if (bindings == null) {
            return Optional.empty();
        }
        return Arrays.stream(bindings)
                .filter(b -> ContainerBlueprint.PUBLISH_IP.equals(b.getHostIp()) && b.getHostPortSpec() != null)
                .map(b -> Integer.parseInt(b.getHostPortSpec()))
                .findFirst();
    }

    private static boolean isPortTaken(DockerException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("address already in use") || m.contains("port is already allocated");
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
