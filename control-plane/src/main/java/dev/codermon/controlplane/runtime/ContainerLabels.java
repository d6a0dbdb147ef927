package dev.codermon.controlplane.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Names the labels on every container and volume this control plane creates, so that it can find its
 * own after a restart and never touches another's.
 *
 * <p>The instance label is derived from the data directory: two control planes with different
 * {@code CODERMON_HOME}s on one Docker daemon leave each other's containers alone.
 */
final class ContainerLabels {

    static final String MANAGED_BY = "dev.codermon.managed-by";
    static final String MANAGED_BY_VALUE = "codermon";
    static final String INSTANCE = "dev.codermon.instance";
    static final String WORKSPACE = "dev.codermon.workspace";
    static final String USER = "dev.codermon.user";
    static final String NAME = "dev.codermon.name";

    private final String instance;

    ContainerLabels(String instance) {
        this.instance = instance;
    }

    /** Returns the labels of the control plane whose data directory this is. */
    static ContainerLabels forHome(Path home) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(home.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return new ContainerLabels(HexFormat.of().formatHex(digest, 0, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
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
