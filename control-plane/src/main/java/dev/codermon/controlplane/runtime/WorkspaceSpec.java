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
}
