package dev.codermon.controlplane.node;

import dev.codermon.auth.PortNumber;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes and reads what a START job carries (the workspace's owner, name and hostname: the node derives its
 * directory from its own home) and what it answers (socket path and the node's runtime reference), one
 * value per line; none of them can hold a newline (DNS labels, hostnames, paths the runtime made). And what
 * a PORTS job answers.
 */
final class JobText {

    private JobText() {
    }

    static String startArgument(String user, String name, String hostname) {
        return join(user, name, hostname);
    }

    /** Returns user, name, hostname. */
    static List<String> parseStart(String argument) {
        return split(argument, 3);
    }

    static String startResult(RuntimeHandle handle) {
        return join(handle.socketPath(), handle.runtimeRef());
    }

    /** Returns socket path, runtime reference. */
    static List<String> parseStartResult(String result) {
        return split(result, 2);
    }

    /** What a PORTS job answers: the ports, ascending, comma-separated (empty: none). */
    static String portsResult(List<Integer> ports) {
        return ports.stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** Reads a PORTS job's answer. */
    static List<Integer> parsePortsResult(String result) {
        if (result == null || result.isEmpty()) {
            return List.of();
        }
        List<Integer> ports = new ArrayList<>();
        for (String p : result.split(",", -1)) {
            ports.add(PortNumber.parse(p).orElseThrow(
                    () -> new IllegalArgumentException("not a port in a PORTS job's answer: " + p)));
        }
        return List.copyOf(ports);
    }

    private static String join(String... values) {
        for (String v : values) {
            if (v == null || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("job value is missing or has a newline: " + v);
            }
        }
        return String.join("\n", values);
    }

    private static List<String> split(String text, int count) {
        List<String> values = text == null ? List.of() : List.of(text.split("\n", -1));
        if (values.size() != count) {
            throw new IllegalArgumentException("expected " + count + " lines in a job's text, got " + values.size());
        }
        return values;
    }
}
