package dev.codermon.controlplane.runtime;

import java.nio.file.Path;

/**
 * Gives the system tests the control plane's own Docker names and labels ({@link ContainerBlueprint},
 * {@link ContainerLabels}), which are package-private there, instead of copies of them.
 */
public final class DockerNames {

    /** The label holding the workspace's user id. */
    public static final String USER_LABEL = ContainerLabels.USER;
    /** The label holding the control plane instance (a hash of its data directory). */
    public static final String INSTANCE_LABEL = ContainerLabels.INSTANCE;
    /** The label holding the workspace id. */
    public static final String WORKSPACE_LABEL = ContainerLabels.WORKSPACE;

    private DockerNames() {
    }

    /** Returns the name of the workspace's container. */
    public static String container(String workspaceId) {
        return ContainerBlueprint.containerName(workspaceId);
    }

    /** Returns the name of the volume holding the workspace's home directory. */
    public static String volume(String workspaceId) {
        return ContainerBlueprint.volumeName(workspaceId);
    }

    /** Returns the instance label value of the control plane whose data directory this is. */
    public static String instance(Path home) {
        return ContainerLabels.forHome(home).instance();
    }
}
