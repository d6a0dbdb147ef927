package dev.codermon.controlplane.runtime;

import dev.codermon.auth.DockerNames;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the Docker daemon about this control plane's containers and volumes, and removes them; anything
 * without its labels is never touched. Tolerates "already gone".
 */
final class DockerContainers {

    private static final Logger log = LoggerFactory.getLogger(DockerContainers.class);
    private static final int LOG_LINES = 15;

    private final DockerClient docker;
    private final String instance;

    DockerContainers(DockerClient docker, String instance) {
        this.docker = docker;
        this.instance = instance;
    }

    void ensureVolume(WorkspaceSpec spec) throws RuntimeStartException {
        String volume = DockerNames.volumeName(spec.id());
        try {
            Map<String, String> existing = docker.inspectVolumeCmd(volume).exec().getLabels();
            if (!DockerNames.isOwned(existing, instance, spec.id())) {
                throw new RuntimeStartException("a volume named " + volume + " exists that this control plane did"
                        + " not create; it is left alone and the workspace cannot use it");
            }
        } catch (NotFoundException absent) {
            // Creating an existing volume returns it, so a concurrent create is harmless.
            docker.createVolumeCmd().withName(volume).withLabels(DockerNames.labels(instance, spec.id(), spec.user(), spec.name())).exec();
            log.info("workspace {}: created volume {}", spec.id(), volume);
        }
    }

    /** Collects a command's or log's output frames as text. */
    static ResultCallback.Adapter<Frame> appendingTo(StringBuilder out) {
        return new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        };
    }

    /** Inspects a container by its name, if it is one of this instance's workspace containers. */
    Optional<InspectContainerResponse> inspectOwned(String name) {
        return DockerNames.workspaceIdOf(name)
                .flatMap(id -> inspect(name).filter(c -> DockerNames.isOwned(c.getConfig().getLabels(), instance, id)));
    }

    static boolean running(InspectContainerResponse c) {
        return Boolean.TRUE.equals(c.getState().getRunning());
    }

    Optional<InspectContainerResponse> inspect(String name) {
        try {
            return Optional.of(docker.inspectContainerCmd(name).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    void remove(String name) {
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

    /** Returns the container's last lines of output, on one line. */
    String logTail(String name) {
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

    /** Lists every container this control plane created, found by their labels. */
    List<WorkspaceRuntime.Instance> list() {
        List<WorkspaceRuntime.Instance> found = new ArrayList<>();
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(DockerNames.instanceFilters(instance)).exec()) {
            String id = c.getLabels() == null ? null : c.getLabels().get(DockerNames.WORKSPACE_LABEL);
            Arrays.stream(c.getNames())
                    .map(n -> n.startsWith("/") ? n.substring(1) : n)
                    .filter(n -> id != null && n.equals(DockerNames.containerName(id)))
                    .findFirst()
                    .ifPresent(n -> found.add(new WorkspaceRuntime.Instance(id, n)));
        }
        return found;
    }
}
