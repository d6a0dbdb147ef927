package dev.codermon.controlplane.runtime;

import java.util.Locale;

/** Names the runtime the control plane starts workspaces with. */
public enum RuntimeKind {
    /** Containers through the Docker daemon, isolated from each other; the control plane does not start without one. */
    DOCKER,
    /**
     * Local code-server processes, each on its own unix socket, running as the control plane's own OS user,
     * for one user on their own machine: every workspace can read the data directory (keys, admin key), so
     * it serves one user only.
     */
    PROCESS,
    /**
     * On the cluster's nodes (control plane only): a workspace is placed on a live node with room and started
     * by that node's agent, which runs Docker or processes there (docs/scale-out.md).
     */
    NODES;

    /**
     * Parses {@code docker} or {@code process}, ignoring case; {@code auto}, the former default that fell
     * back to processes without saying so, now means {@code docker}.
     */
    public static RuntimeKind parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return DOCKER;
        }
        for (RuntimeKind k : values()) {
            if (k.name().toLowerCase(Locale.ROOT).equals(t)) {
                return k;
            }
        }
        throw new IllegalArgumentException("--runtime / CODERMON_RUNTIME must be docker, process or nodes, was '"
                + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
