package dev.codermon.controlplane;

import dev.codermon.auth.CodermonHome;
import dev.codermon.controlplane.runtime.DockerDaemon;
import dev.codermon.controlplane.runtime.DockerRuntime;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.LocalProcessRuntime;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.WorkspaceSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the workspace runtime the settings ask for and says which one it is: with {@code auto}, Docker
 * when a daemon answers and the image is there, else local processes.
 */
final class RuntimeChoice {

    private static final Logger log = LoggerFactory.getLogger(RuntimeChoice.class);

    private RuntimeChoice() {
    }

    /**
     * Opens the runtime; the caller closes it.
     *
     * @throws IllegalArgumentException or IllegalStateException saying what is missing for the chosen runtime
     */
    static WorkspaceRuntime open(ControlPlaneConfig config, CodermonHome home, HealthProbe probe) {
        RuntimeSettings settings = config.runtime();
        DockerDaemon daemon = null;
        String whyNotDocker = null;
        if (settings.kind() != RuntimeKind.PROCESS) {
            try {
                daemon = DockerDaemon.connect(settings.dockerHost());
                if (!daemon.hasImage(settings.image())) {
                    whyNotDocker = "image " + settings.image() + " is not on " + daemon
                            + "; build it with scripts/build-image or set --image / CODERMON_IMAGE";
                    daemon.close();
                    daemon = null;
                }
            } catch (IllegalStateException e) {
                whyNotDocker = e.getMessage();
            }
            if (daemon == null && settings.kind() == RuntimeKind.DOCKER) {
                throw new IllegalStateException("--runtime docker: " + whyNotDocker);
            }
        }
        WorkspaceSockets sockets;
        try {
            sockets = WorkspaceSockets.open(home.socketsDir());
        } catch (RuntimeException e) {
            if (daemon != null) {
                daemon.close();
            }
            throw e;
        }
        WorkspaceRuntime runtime;
        try {
            if (daemon != null) {
                runtime = DockerRuntime.create(daemon, settings.image(), settings.limits(), home.dir(), sockets,
                        probe, config.readyTimeout(), settings.egress());
                log.info("workspace runtime: docker ({}; --runtime {})", runtime, settings.kind());
            } else {
                runtime = LocalProcessRuntime.create(config.codeServerBin(), home.workspacesDir(),
                        config.readyTimeout(), probe, sockets);
                if (whyNotDocker != null) {
                    log.info("workspace runtime: local processes ({}), because {}", runtime, whyNotDocker);
                } else {
                    log.info("workspace runtime: local processes ({}; --runtime {})", runtime, settings.kind());
                }
            }
        } catch (RuntimeException e) {
            if (daemon != null) {
                daemon.close();
            }
            throw e;
        }
        return runtime;
    }
}
