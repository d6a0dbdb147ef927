package dev.codermon.auth;

import java.util.OptionalInt;
import java.util.regex.Pattern;

/** Reads a TCP port written plainly: 1-65535, digits only, no leading zero or sign. */
public final class PortNumber {

    private static final Pattern PLAIN = Pattern.compile("[1-9][0-9]{0,4}");

    private PortNumber() {
    }

    /** Returns the port the text names, or empty if it is not one written plainly. */
    public static OptionalInt parse(String text) {
        if (text == null || !PLAIN.matcher(text).matches()) {
            return OptionalInt.empty();
        }
        int port = Integer.parseInt(text);
        return port <= 65535 ? OptionalInt.of(port) : OptionalInt.empty();
    }
}
