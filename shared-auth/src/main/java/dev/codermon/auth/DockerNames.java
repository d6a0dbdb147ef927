package dev.codermon.auth;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Names what the control plane's Docker runtime creates, so that it finds its own after a restart and a
 * test or an operator can find them too: container and volume names, the workspace network, and the
 * labels on each.
 *
 * <p>The instance label is derived from the data directory: two control planes with different
 * {@code CODERMON_HOME}s on one Docker daemon leave each other's containers alone.
 */
public final class DockerNames {

    /** Label on everything Codermon creates, with the value {@value #MANAGED_BY_VALUE}. */
    public static final String MANAGED_BY_LABEL = "dev.codermon.managed-by";
    public static final String MANAGED_BY_VALUE = "codermon";
    /** Label naming the control plane (a hash of its data directory, see {@link #instanceOf}). */
    public static final String INSTANCE_LABEL = "dev.codermon.instance";
    /** Labels naming the workspace's id, user and name. */
    public static final String WORKSPACE_LABEL = "dev.codermon.workspace";
    public static final String USER_LABEL = "dev.codermon.user";
    public static final String NAME_LABEL = "dev.codermon.name";
    /** The network every workspace container joins. */
    public static final String NETWORK = "codermon-workspaces";
    private static final String CONTAINER_PREFIX = "codermon-";
    private static final String VOLUME_PREFIX = "codermon-ws-";

    private DockerNames() {
    }

    /** Returns the instance label's value of the control plane whose data directory this is. */
    public static String instanceOf(Path home) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(home.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Returns the workspace's container name; Docker keeps names unique, a second guard against doubles. */
    public static String containerName(String workspaceId) {
        return CONTAINER_PREFIX + workspaceId;
    }

    /** Returns the workspace id a container name stands for, or empty if it is not one of ours. */
    public static Optional<String> workspaceIdOf(String containerName) {
        if (containerName == null || !containerName.startsWith(CONTAINER_PREFIX)
                || containerName.length() == CONTAINER_PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(containerName.substring(CONTAINER_PREFIX.length()));
    }

    /** Returns the name of the volume that holds the workspace's home directory. */
    public static String volumeName(String workspaceId) {
        return VOLUME_PREFIX + workspaceId;
    }

    /** Returns the labels of a workspace's container and volume, made by the control plane of this instance. */
    public static Map<String, String> labels(String instance, String workspaceId, String user, String name) {
        return Map.of(MANAGED_BY_LABEL, MANAGED_BY_VALUE, INSTANCE_LABEL, instance, WORKSPACE_LABEL, workspaceId,
                USER_LABEL, user, NAME_LABEL, name);
    }

    /** Returns whether the labels mark something the control plane of this instance made for the workspace. */
    public static boolean isOwned(Map<String, String> labels, String instance, String workspaceId) {
        return labels != null && MANAGED_BY_VALUE.equals(labels.get(MANAGED_BY_LABEL))
                && instance.equals(labels.get(INSTANCE_LABEL)) && workspaceId.equals(labels.get(WORKSPACE_LABEL));
    }

    /** Returns label filters ({@code key=value}) matching everything the control plane of this instance made. */
    public static List<String> instanceFilters(String instance) {
        return List.of(MANAGED_BY_LABEL + "=" + MANAGED_BY_VALUE, INSTANCE_LABEL + "=" + instance);
    }
}
