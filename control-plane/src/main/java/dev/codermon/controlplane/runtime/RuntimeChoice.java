package dev.codermon.controlplane.runtime;

import dev.codermon.auth.CodermonHome;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the workspace runtime the settings name, and only that one: Docker unless local processes were
 * chosen explicitly. Docker without a daemon or the image is a start failure, never a silent fall back
 * to processes, which share this OS user and the data directory with every workspace.
 */
public final class RuntimeChoice {

    private static final Logger log = LoggerFactory.getLogger(RuntimeChoice.class);

    private RuntimeChoice() {
    }

    /**
     * Opens the runtime; the caller closes it.
     *
     * @throws IllegalArgumentException or IllegalStateException saying what is missing for the chosen runtime
     *                                  and how to get it
     */
    public static WorkspaceRuntime open(RuntimeSettings settings, String codeServerBin, Duration readyTimeout,
            CodermonHome home, HealthProbe probe) {
        DockerDaemon daemon = settings.kind() == RuntimeKind.DOCKER ? dockerOrExplain(settings) : null;
        WorkspaceSockets sockets;
        try {
            sockets = WorkspaceSockets.open(home.socketsDir());
        } catch (RuntimeException e) {
            if (daemon != null) {
                daemon.close();
            }
            throw e;
        }
        try {
            if (daemon != null) {
                WorkspaceRuntime runtime = DockerRuntime.create(daemon, settings.image(), settings.limits(),
                        home.dir(), sockets, probe, readyTimeout, settings.egress());
                log.info("workspace runtime: docker ({})", runtime);
                return runtime;
            }
            WorkspaceRuntime runtime = LocalProcessRuntime.create(codeServerBin, home.workspacesDir(),
                    readyTimeout, probe, sockets, settings.processUser());
            log.warn("workspace runtime: local processes ({}), chosen with --runtime process: every workspace runs"
                    + " as this OS user ({}) and can read the data directory {} (admin key, signing key, CA key),"
                    + " so only {}'s workspaces are started and any other user is refused; use --runtime docker"
                    + " for several users", runtime, System.getProperty("user.name"), home.dir(),
                    settings.processUser());
            return runtime;
        } catch (RuntimeException e) {
            if (daemon != null) {
                daemon.close();
            }
            throw e;
        }
    }

    /** Connects to the daemon and checks the image, or says what is missing and the two ways out. */
    private static DockerDaemon dockerOrExplain(RuntimeSettings settings) {
        String ways = "; either start Docker and build the image with scripts/build-image (scripts/run does both),"
                + " or, for one user on their own machine, run local processes with CODERMON_RUNTIME=process"
                + " CODERMON_PROCESS_USER=<user> (every workspace then runs as this OS user with the data"
                + " directory in reach)";
        DockerDaemon daemon;
        try {
            daemon = DockerDaemon.connect(settings.dockerHost());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("--runtime docker: " + e.getMessage() + ways, e);
        }
        boolean hasImage;
        try {
            hasImage = daemon.hasImage(settings.image());
        } catch (RuntimeException e) {
            daemon.close();
            throw new IllegalStateException("--runtime docker: cannot ask " + daemon + " for the image "
                    + settings.image() + ": " + e.getMessage() + ways, e);
        }
        if (!hasImage) {
            String on = daemon.toString();
            daemon.close();
            throw new IllegalStateException("--runtime docker: the workspace image " + settings.image()
                    + " is not on " + on + " (it is never pulled; set --image / CODERMON_IMAGE to another)" + ways);
        }
        return daemon;
    }
}
