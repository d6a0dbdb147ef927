package dev.codermon.controlplane.runtime;

import java.util.Locale;

/** Names what a workspace container may reach outside its own host, besides nothing private. */
public enum WorkspaceEgress {
    /** Public internet addresses (package installs, git clones); private ranges and the host stay closed. */
    PUBLIC,
    /** Nothing at all: the workspace network is internal. */
    NONE;

    /** Parses {@code public} or {@code none}, ignoring case. */
    public static WorkspaceEgress parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (WorkspaceEgress e : values()) {
            if (e.toString().equals(t)) {
                return e;
            }
        }
        throw new IllegalArgumentException("--ws-egress / CODERMON_WS_EGRESS must be public or none, was '" + text
                + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
