package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the TCP ports a workspace's programs listen on (its apps), from Linux's {@code /proc}: the
 * sockets open in a process tree, or a {@code /proc/net/tcp} table read inside a container.
 */
final class ListeningSockets {

    private static final Path PROC = Path.of("/proc");
    private static final String LISTEN = "0A";
    /** 127.0.0.11 as {@code /proc/net/tcp} writes it (little-endian hex): Docker's embedded DNS server. */
    private static final String DOCKER_DNS_ADDRESS = "0B00007F:";

    private ListeningSockets() {
    }

    /**
     * Returns the ports of the TCP sockets listening (on any address) in the process or one of its
     * descendants: the apps a workspace's terminals started.
     */
    static Set<Integer> portsHeldBy(ProcessHandle process) {
        Map<String, Integer> byInode = new java.util.HashMap<>();
        listening(PROC.resolve("net/tcp"), byInode);
        listening(PROC.resolve("net/tcp6"), byInode);
        Set<Integer> ports = new TreeSet<>();
        for (String inode : socketInodesOf(process)) {
            Integer port = byInode.get(inode);
            if (port != null) {
                ports.add(port);
            }
        }
        return ports;
    }

    /** Returns the inodes of the sockets open in the process and its descendants. */
    private static Set<String> socketInodesOf(ProcessHandle process) {
        Set<String> inodes = new java.util.HashSet<>();
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process);
        process.descendants().forEach(tree::add);
        for (ProcessHandle p : tree) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC.resolve(p.pid() + "/fd"))) {
                for (Path fd : fds) {
                    String target = readLink(fd);
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                }
            } catch (IOException | SecurityException gone) {
                // the process exited meanwhile, or is not ours to look at
            }
        }
        return inodes;
    }

    /**
     * Reads a {@code /proc/net/tcp}-format table from inside a container and returns the ports of its
     * listening sockets, leaving out Docker's embedded DNS server: on a user-defined network (the
     * workspace network) the daemon listens on 127.0.0.11 at a random TCP port in every container's
     * namespace, which is no app of the workspace's.
     */
    static Set<Integer> listeningPorts(String table) {
        Set<Integer> ports = new TreeSet<>();
        Map<String, Integer> byInode = new java.util.HashMap<>();
        parse(table.lines().filter(line -> !isDockerDns(line)).toList(), byInode, ports);
        return ports;
    }

    private static boolean isDockerDns(String line) {
        String[] f = line.trim().split("\\s+", 3);
        return f.length > 1 && f[1].startsWith(DOCKER_DNS_ADDRESS);
    }

    private static void listening(Path table, Map<String, Integer> byInode) {
        try {
            parse(Files.readAllLines(table), byInode, new TreeSet<>());
        } catch (IOException e) {
            // no such table (IPv6 disabled): nothing listens there
        }
    }

    private static void parse(List<String> lines, Map<String, Integer> byInode, Set<Integer> ports) {
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if (f.length > 9 && f[3].equals(LISTEN) && f[1].indexOf(':') > 0) {
                try {
                    int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                    ports.add(port);
                    byInode.put(f[9], port);
                } catch (NumberFormatException notATableLine) {
                    // the header line
                }
            }
        }
    }

    private static String readLink(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }
}
