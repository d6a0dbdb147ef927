package dev.codermon.controlplane;

import dev.codermon.controlplane.runtime.ContainerLimits;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.WorkspaceEgress;
import java.util.Objects;

/**
 * Holds the workspace runtime settings, validated on construction.
 *
 * @param kind           auto (Docker if it answers and has the image, else local processes), docker or process
 * @param image          the code-server image containers run (never pulled; build it with scripts/build-image)
 * @param dockerHost     where the Docker daemon listens
 * @param limits         memory, CPU and pids limits of each container
 * @param egress         what workspace containers may reach: public addresses, or nothing
 */
public record RuntimeSettings(
        RuntimeKind kind,
        String image,
        String dockerHost,
        ContainerLimits limits,
        WorkspaceEgress egress) {

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
    }

    /** Returns the documented defaults: auto, the local image, the local socket, 2g / 1.0 / 512, public egress. */
    public static RuntimeSettings defaults() {
        return new RuntimeSettings(RuntimeKind.AUTO, DEFAULT_IMAGE, DEFAULT_DOCKER_HOST, ContainerLimits.defaults(),
                WorkspaceEgress.PUBLIC);
    }

    /** Returns a copy with another runtime kind. */
    public RuntimeSettings withKind(RuntimeKind newKind) {
        return new RuntimeSettings(newKind, image, dockerHost, limits, egress);
    }

    /** Returns a copy with another image. */
    public RuntimeSettings withImage(String newImage) {
        return new RuntimeSettings(kind, newImage, dockerHost, limits, egress);
    }

    /** Returns a copy with another workspace egress. */
    public RuntimeSettings withEgress(WorkspaceEgress newEgress) {
        return new RuntimeSettings(kind, image, dockerHost, limits, newEgress);
    }

    @Override
    public String toString() {
        return "runtime=" + kind + ", image=" + image + ", dockerHost=" + dockerHost + ", " + limits
                + ", egress=" + egress;
    }
}
