package dev.codermon.controlplane.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Describes a workspace to start.
 *
 * @param id        the workspace id
 * @param user      its owner
 * @param name      its name
 * @param hostname  the hostname browsers use for it
 * @param directory where its files live (project, settings, extensions, log)
 */
public record WorkspaceSpec(String id, String user, String name, String hostname, Path directory) {

    public WorkspaceSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(directory, "directory");
    }

    /**
     * Returns the workspace's directory: the one right under the workspaces directory that its id names.
     *
     * @param workspacesDir absolute and normalized
     * @throws IllegalArgumentException if the id would name anything but a directory right under it
     */
    public static Path directoryOf(Path workspacesDir, String workspaceId) {
        Path dir = workspacesDir.resolve(workspaceId).normalize();
        if (!workspacesDir.equals(dir.getParent())) {
            throw new IllegalArgumentException("workspace id " + workspaceId + " does not name a directory under "
                    + workspacesDir);
        }
        return dir;
    }
}
