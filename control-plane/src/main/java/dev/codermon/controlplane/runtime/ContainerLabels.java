package dev.codermon.controlplane.runtime;

import dev.codermon.auth.DockerNames;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Puts labels ({@link DockerNames}) on every container and volume this control plane creates, so that it
 * can find its own after a restart and never touches another's.
 */
final class ContainerLabels {

    static final String MANAGED_BY = DockerNames.MANAGED_BY_LABEL;
    static final String MANAGED_BY_VALUE = DockerNames.MANAGED_BY_VALUE;
    static final String INSTANCE = DockerNames.INSTANCE_LABEL;
    static final String WORKSPACE = DockerNames.WORKSPACE_LABEL;
    static final String USER = DockerNames.USER_LABEL;
    static final String NAME = DockerNames.NAME_LABEL;

    private final String instance;

    ContainerLabels(String instance) {
        this.instance = instance;
    }

    /** Returns the labels of the control plane whose data directory this is. */
    static ContainerLabels forHome(Path home) {
        return new ContainerLabels(DockerNames.instanceOf(home));
    }

    /** Returns this control plane's instance id (a hash of its data directory). */
    String instance() {
        return instance;
    }

    /** Returns the labels for the workspace's container and volume. */
    Map<String, String> of(WorkspaceSpec spec) {
        return Map.of(MANAGED_BY, MANAGED_BY_VALUE, INSTANCE, instance, WORKSPACE, spec.id(), USER, spec.user(),
                NAME, spec.name());
    }

    /** Returns whether the labels mark something this control plane made for the workspace. */
    boolean owns(Map<String, String> labels, String workspaceId) {
        return labels != null && MANAGED_BY_VALUE.equals(labels.get(MANAGED_BY))
                && instance.equals(labels.get(INSTANCE)) && workspaceId.equals(labels.get(WORKSPACE));
    }

    /** Returns label filters ({@code key=value}) matching everything this control plane made. */
    List<String> filter() {
        return List.of(MANAGED_BY + "=" + MANAGED_BY_VALUE, INSTANCE + "=" + instance);
    }
}
