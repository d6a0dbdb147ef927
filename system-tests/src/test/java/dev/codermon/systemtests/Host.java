package dev.codermon.systemtests;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** What the tests look at on this host: free ports, TCP listeners, unix sockets and who may open them. */
final class Host {

    private Host() {
    }

    /** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Returns whether something accepts TCP connections on 127.0.0.1:port. */
    static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Returns the TCP listeners on this host that belong to the workspace whose runtime reference is
     * {@code ref}, space-separated: the ports its container publishes, or the sockets its local code-server's
     * process tree listens on. Empty when code-server listens on its unix socket alone.
     */
    static String workspaceTcpListeners(String ref) {
        if (ref == null) {
            return "no-ref";
        }
        if (ref.matches("[0-9]+")) {
            ProcessHandle root = ProcessHandle.of(Long.parseLong(ref)).orElse(null);
            if (root == null || !root.isAlive()) {
                return "no-process-" + ref;
            }
            Set<String> pids = new HashSet<>();
            pids.add(ref);
            root.descendants().forEach(p -> pids.add(Long.toString(p.pid())));
            Commands.Result ss = Commands.run(Commands.DEFAULT_TIMEOUT, "ss", "-Hltnp");
            if (!ss.ok()) {
                return "ss-failed: " + ss.out();
            }
            Set<String> found = new TreeSet<>();
            for (String line : ss.out().split("\n")) {
                for (String pid : pids) {
                    if (line.contains("pid=" + pid + ",")) {
                        found.add(line.trim().split("\\s+")[3]);
                    }
                }
            }
            return String.join(" ", found);
        }
        Docker docker = Docker.shared();
        if (!docker.containerExists(ref)) {
            return "no-container-" + ref;
        }
        return docker.run("port", ref).out().strip().lines().collect(Collectors.joining(" "));
    }

    /** Returns the HTTP status code/healthz answers on the unix socket, connecting as this (root) user. */
    static int unixSocketStatus(String socket, String path) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(256);
            while (buf.position() < 12 && ch.read(buf) >= 0) {
                // the status line's first 12 bytes: "HTTP/1.1 200"
            }
            String head = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
            return head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Returns "closed" when another local user (nobody) can neither read the unix socket's path nor connect
     * to it, "open" when it can do either; "no-socket" when there is none, "not-root" when this is not root.
     */
    static String socketClosedToOthers(String socket) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not-root";
        }
        if (socket == null || !Files.exists(Path.of(socket))) {
            return "no-socket";
        }
        Duration t = Duration.ofSeconds(15);
        boolean readable = Commands.run(t, "runuser", "-u", "nobody", "--", "test", "-r", socket).ok();
        boolean connects = Commands.run(t, "runuser", "-u", "nobody", "--", "curl", "-s", "-o", "/dev/null",
                "--max-time", "5", "--unix-socket", socket, "http://localhost/healthz").ok();
        return readable || connects ? "open" : "closed";
    }
}
