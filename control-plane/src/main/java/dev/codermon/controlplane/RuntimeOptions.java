package dev.codermon.controlplane;

import dev.codermon.auth.DurationText;
import dev.codermon.controlplane.runtime.ContainerLimits;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.WorkspaceEgress;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Holds the options that choose and shape the workspace runtime, shared by the control plane and the node
 * agent (flags, else environment, else defaults).
 */
public final class RuntimeOptions {

    @Option(names = "--code-server", paramLabel = "PATH",
            defaultValue = "${env:CODERMON_CODE_SERVER_BIN:-code-server}",
            description = "code-server executable, a path or a name on PATH (CODERMON_CODE_SERVER_BIN)."
                    + " Default: ${DEFAULT-VALUE}")
    public String codeServer;

    @Option(names = "--ready-timeout", paramLabel = "DURATION",
            defaultValue = "${env:CODERMON_READY_TIMEOUT:-90s}",
            description = "How long code-server may take to become ready (CODERMON_READY_TIMEOUT)."
                    + " Default: ${DEFAULT-VALUE}")
    public String readyTimeout;

    @Option(names = "--runtime", paramLabel = "docker|process|nodes", defaultValue = "${env:CODERMON_RUNTIME:-docker}",
            description = "Workspace runtime (CODERMON_RUNTIME): docker containers, isolated from each other;"
                    + " without a Docker daemon or the image the control plane does not start. process: local"
                    + " code-server processes running as this OS user with the data directory in reach, for one"
                    + " user only (--process-user). nodes (control plane only): on the cluster's nodes, through their node"
                    + " agents (docs/scale-out.md). auto means docker. Default: ${DEFAULT-VALUE}")
    public String runtime;

    @Option(names = "--process-user", paramLabel = "USER", defaultValue = "${env:CODERMON_PROCESS_USER}",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "The one user whose workspaces --runtime process runs; required with it, ignored by"
                    + " Docker. Any other user's create or start answers 409 single_user_runtime"
                    + " (CODERMON_PROCESS_USER).")
    public String processUser;

    @Option(names = "--image", paramLabel = "IMAGE",
            defaultValue = "${env:CODERMON_IMAGE:-" + RuntimeSettings.DEFAULT_IMAGE + "}",
            description = "code-server image for workspace containers, never pulled: build it with"
                    + " scripts/build-image, or use e.g. codercom/code-server:4.99.4 (CODERMON_IMAGE)."
                    + " Default: ${DEFAULT-VALUE}")
    public String image;

    @Option(names = "--docker-host", paramLabel = "URL",
            defaultValue = "${env:DOCKER_HOST:-" + RuntimeSettings.DEFAULT_DOCKER_HOST + "}",
            description = "Docker daemon (DOCKER_HOST). Default: ${DEFAULT-VALUE}")
    public String dockerHost;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "${env:CODERMON_WS_MEMORY:-2g}",
            description = "Memory limit of each workspace container, no extra swap (CODERMON_WS_MEMORY)."
                    + " Default: ${DEFAULT-VALUE}")
    public String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "${env:CODERMON_WS_CPUS:-1.0}",
            description = "CPUs each workspace container may use (CODERMON_WS_CPUS). Default: ${DEFAULT-VALUE}")
    public String cpus;

    @Option(names = "--pids", paramLabel = "N", defaultValue = "${env:CODERMON_WS_PIDS:-512}",
            description = "Processes and threads each workspace container may have (CODERMON_WS_PIDS)."
                    + " Default: ${DEFAULT-VALUE}")
    public long pids;

    @Option(names = "--ws-egress", paramLabel = "public|none", defaultValue = "${env:CODERMON_WS_EGRESS:-public}",
            description = "What workspace containers may reach besides nothing private: public addresses (package"
                    + " installs), or none (an internal network). The host, other workspaces, private ranges and"
                    + " the metadata address are closed either way (CODERMON_WS_EGRESS). Default: ${DEFAULT-VALUE}")
    public String wsEgress;

    /** Returns how long code-server may take to become ready. */
    public Duration readyTimeout() {
        return DurationText.parse("--ready-timeout / CODERMON_READY_TIMEOUT", readyTimeout);
    }

    /** Returns the validated runtime settings. */
    public RuntimeSettings settings() {
        return new RuntimeSettings(RuntimeKind.parse(runtime), image == null ? "" : image.trim(),
                dockerHost == null ? "" : dockerHost.trim(),
                new ContainerLimits(ContainerLimits.parseMemory(memory), ContainerLimits.parseCpus(cpus), pids),
                WorkspaceEgress.parse(wsEgress),
                processUser == null || processUser.isBlank() ? null : processUser.trim());
    }
}
