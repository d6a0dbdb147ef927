package dev.codermon.controlplane.runtime;

import dev.codermon.auth.DnsLabel;
import java.util.Objects;

/**
 * Holds the workspace runtime settings, validated on construction.
 *
 * @param kind           docker (the default) or process (one user, chosen explicitly)
 * @param image          the code-server image containers run (never pulled; build it with scripts/build-image)
 * @param dockerHost     where the Docker daemon listens
 * @param limits         memory, CPU and pids limits of each container
 * @param egress         what workspace containers may reach: public addresses, or nothing
 * @param processUser    the one user the process runtime serves (required with it, ignored by Docker), or null
 */
public record RuntimeSettings(
        RuntimeKind kind,
        String image,
        String dockerHost,
        ContainerLimits limits,
        WorkspaceEgress egress,
        String processUser) {

    public static final String DEFAULT_IMAGE = "codermon/code-server:4.99.4";
    public static final String DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

    public RuntimeSettings {
        Objects.requireNonNull(kind, "kind");
        if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("--image / CODERMON_IMAGE must name an image, e.g. "
                    + DEFAULT_IMAGE + ", was '" + image + "'");
        }
        if (dockerHost == null || !dockerHost.matches("(unix|tcp|npipe)://.+")) {
            throw new IllegalArgumentException("--docker-host / DOCKER_HOST must be unix://PATH or tcp://HOST:PORT,"
                    + " was '" + dockerHost + "'");
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(egress, "egress");
        if (processUser != null && !DnsLabel.isValid(processUser)) {
            throw new IllegalArgumentException("--process-user / CODERMON_PROCESS_USER must be a user id (1-32"
                    + " characters of a-z, 0-9 and '-', starting with a letter), was '" + processUser + "'");
        }
        if (kind == RuntimeKind.PROCESS && processUser == null) {
            throw new IllegalArgumentException("--runtime process runs every workspace as this OS user, with the"
                    + " data directory (admin key, signing key, CA key) in reach, so it serves one user only: name"
                    + " that user with --process-user / CODERMON_PROCESS_USER, or use --runtime docker (the"
                    + " default) for several users");
        }
    }

    /**
     * Returns the documented defaults: docker, the local image, the local socket, 2g / 1.0 / 512, public
     * egress, no process user.
     */
    public static RuntimeSettings defaults() {
        return new RuntimeSettings(RuntimeKind.DOCKER, DEFAULT_IMAGE, DEFAULT_DOCKER_HOST, ContainerLimits.defaults(),
                WorkspaceEgress.PUBLIC, null);
    }

    /** Returns a copy with another runtime kind (process needs a process user, see {@link #forProcessUser}). */
    public RuntimeSettings withKind(RuntimeKind newKind) {
        return new RuntimeSettings(newKind, image, dockerHost, limits, egress, processUser);
    }

    /** Returns a copy that runs local processes for this one user. */
    public RuntimeSettings forProcessUser(String user) {
        return new RuntimeSettings(RuntimeKind.PROCESS, image, dockerHost, limits, egress, user);
    }

    /** Returns a copy with another image. */
    public RuntimeSettings withImage(String newImage) {
        return new RuntimeSettings(kind, newImage, dockerHost, limits, egress, processUser);
    }

    /** Returns a copy with another workspace egress. */
    public RuntimeSettings withEgress(WorkspaceEgress newEgress) {
        return new RuntimeSettings(kind, image, dockerHost, limits, newEgress, processUser);
    }

    @Override
    public String toString() {
        return "runtime=" + kind + ", image=" + image + ", dockerHost=" + dockerHost + ", " + limits
                + ", egress=" + egress + (kind == RuntimeKind.PROCESS ? ", processUser=" + processUser : "");
    }
}
