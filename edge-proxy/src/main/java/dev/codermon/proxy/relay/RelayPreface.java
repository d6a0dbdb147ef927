package dev.codermon.proxy.relay;

import dev.codermon.proxy.upstream.SocketKind;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Is the one line a proxy sends a relay once TLS is up: {@code CODERMON-RELAY/1 <workspace host> <http|ssh>\n},
 * naming the workspace and which of its sockets to reach. The relay answers {@code OK\n} and then relays
 * bytes both ways, or {@code ERR <status> <reason>\n} and closes.
 */
record RelayPreface(String hostname, SocketKind kind) {

    static final String MAGIC = "CODERMON-RELAY/1";
    /** The longest line either side accepts, newline included: a host name is at most 253 characters. */
    static final int MAX_LINE = 300;
    static final String OK = "OK";
    static final String ERR = "ERR ";
    private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

    /**
     * Parses a preface line (without its newline).
     *
     * @throws IllegalArgumentException with a short reason for the {@code ERR 400} answer
     */
    static RelayPreface parse(String line) {
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || !MAGIC.equals(parts[0])) {
            throw new IllegalArgumentException("expected '" + MAGIC + " <workspace host> <http|ssh>'");
        }
        if (!HOST.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException("malformed workspace host");
        }
        SocketKind kind = switch (parts[2]) {
            case "http" -> SocketKind.HTTP;
            case "ssh" -> SocketKind.SSH;
            default -> throw new IllegalArgumentException("socket kind must be http or ssh");
        };
        return new RelayPreface(parts[1], kind);
    }

    /** Returns the line to send, newline included. */
    String line() {
        return MAGIC + " " + hostname + " " + kind.name().toLowerCase(Locale.ROOT) + "\n";
    }
}
