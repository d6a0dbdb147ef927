package dev.codermon.controlplane.runtime;

/**
 * Holds the host ports workspaces may be published on, both ends included.
 *
 * @param first the lowest port
 * @param last  the highest port
 */
public record PortRange(int first, int last) {

    public PortRange {
        if (first < 1024 || last > 65535 || first > last) {
            throw new IllegalArgumentException("--port-range / CODERMON_PORT_RANGE must be FIRST-LAST within"
                    + " 1024-65535, was " + first + "-" + last);
        }
    }

    /** Returns the default range, 20000-29999. */
    public static PortRange defaults() {
        return new PortRange(20000, 29999);
    }

    /** Parses {@code FIRST-LAST}, e.g. {@code 20000-29999}. */
    public static PortRange parse(String text) {
        String t = text == null ? "" : text.trim();
        int dash = t.indexOf('-');
        try {
            if (dash > 0) {
                return new PortRange(Integer.parseInt(t.substring(0, dash).trim()),
                        Integer.parseInt(t.substring(dash + 1).trim()));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("--port-range / CODERMON_PORT_RANGE '" + text
                + "' is not FIRST-LAST, e.g. 20000-29999");
    }

    /** Returns whether the port lies in the range. */
    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
