package dev.codermon.controlplane.runtime;

import java.util.Locale;

/** Names the runtime the control plane starts workspaces with. */
public enum RuntimeKind {
    /** Docker when a daemon answers and the image exists, else local processes. */
    AUTO,
    /** Containers through the Docker daemon; fails to start without one. */
    DOCKER,
    /** Local code-server processes, each on its own unix socket. */
    PROCESS;

    /** Parses {@code auto}, {@code docker} or {@code process}, ignoring case. */
    public static RuntimeKind parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (RuntimeKind k : values()) {
            if (k.name().toLowerCase(Locale.ROOT).equals(t)) {
                return k;
            }
        }
        throw new IllegalArgumentException("--runtime / CODERMON_RUNTIME must be auto, docker or process, was '"
                + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
