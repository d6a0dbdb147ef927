package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds the DNS resolvers Docker's embedded DNS server forwards workspace queries to: the IPv4 name servers
 * of the host's {@code resolv.conf}, or systemd-resolved's upstream file when the host only names its local
 * stub (Docker reads that file then). Loopback servers are left out: Docker never forwards to them from a
 * container.
 */
final class HostResolvers {

    static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");
    static final Path SYSTEMD_RESOLV_CONF = Path.of("/run/systemd/resolve/resolv.conf");
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private HostResolvers() {
    }

    /** Returns the resolvers of this host, as Docker finds them; empty if none can be read. */
    static List<String> read() {
        List<String> resolvers = parse(readOrEmpty(RESOLV_CONF));
        if (resolvers.isEmpty() && Files.isReadable(SYSTEMD_RESOLV_CONF)) {
            resolvers = parse(readOrEmpty(SYSTEMD_RESOLV_CONF));
        }
        return resolvers;
    }

    /** Returns the non-loopback IPv4 {@code nameserver}s of a resolv.conf text, in order, without repeats. */
    static List<String> parse(String resolvConf) {
        List<String> found = new ArrayList<>();
        for (String line : resolvConf.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver") && isIpv4(words[1])
                    && !words[1].startsWith("127.") && !found.contains(words[1])) {
                found.add(words[1]);
            }
        }
        return List.copyOf(found);
    }

    /** Returns whether the text is a dotted-quad IPv4 address. */
    static boolean isIpv4(String text) {
        return text != null && IPV4.matcher(text).matches();
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
