package dev.codermon.controlplane.monitor;

import java.util.Locale;

/** Says what the monitor does with a running workspace whose code-server died or stopped answering. */
public enum DeadPolicy {
    /** Take its route away and mark it FAILED; its owner starts it again. */
    MARK,
    /** Take its route away and start it again at once (it stays FAILED if that fails). */
    RESTART;

    /**
     * Parses {@code mark} or {@code restart}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static DeadPolicy parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "mark" -> MARK;
            case "restart" -> RESTART;
            default -> throw new IllegalArgumentException("--dead-policy / CODERMON_DEAD_POLICY '" + text
                    + "' is not a policy; use mark or restart");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
