package dev.codermon.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A misbehaving upstream on a unix domain socket in a directory of its own (blocking channels, one thread
 * per connection): it reads one request line, records it, reads the rest of the head unless the path asks
 * for a reset, and then does what the path says.
 * <ul>
 *   <li>{@code /die-mid-length}: a 100-byte {@code Content-Length} response cut after 10 bytes (end of stream)</li>
 *   <li>{@code /die-mid-chunked}: a chunked response cut after its first chunk (end of stream)</li>
 *   <li>{@code /reset-before}: a reset before any response byte: a unix socket closed with unread bytes
 *       gives its peer {@code ECONNRESET}, as a TCP RST does</li>
 *   <li>{@code /reset-mid}: half a response, then such a reset</li>
 *   <li>{@code /silent}: never answers, keeps the connection open</li>
 *   <li>{@code /garbage}: a non-HTTP line, then closes</li>
 *   <li>{@code /garbage-open}: binary garbage, keeps the connection open</li>
 *   <li>{@code /bad-status}: a status line whose code is not a number</li>
 *   <li>{@code /double-length}: two different {@code Content-Length}s (a response desync attempt)</li>
 *   <li>{@code /extra}: a complete response followed by an unrequested second one</li>
 *   <li>{@code /close-after-head}: a head without length, then FIN (a close-delimited empty body)</li>
 * </ul>
 */
public final class FaultyUpstream implements AutoCloseable {

    private final Path dir;
    private final ServerSocketChannel server;
    private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    private final List<SocketChannel> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    public FaultyUpstream() throws IOException {
        dir = Files.createTempDirectory("faulty-upstream");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("cs.sock")), 50);
        Thread acceptor = new Thread(this::acceptLoop, "faulty-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Returns the absolute path of the socket this upstream listens on, as a route names it. */
    public String socket() {
        return dir.resolve("cs.sock").toString();
    }

    /** Returns the request lines received so far. */
    public List<String> seen() {
        return new ArrayList<>(seen);
    }

    public void clear() {
        seen.clear();
    }

    /** Returns how many of the connections it accepted are still open on its side. */
    public int openConnections() {
        open.removeIf(channel -> !channel.isOpen());
        return open.size();
    }

    private void acceptLoop() {
        try {
            while (server.isOpen()) {
                SocketChannel socket = server.accept();
                open.add(socket);
                Thread worker = new Thread(() -> serve(socket), "faulty-upstream-conn");
                worker.setDaemon(true);
                worker.start();
            }
        } catch (IOException closed) {
            stopped.countDown();
        }
    }

    private void serve(SocketChannel socket) {
        try (socket) {
            // Unbuffered: a reset must leave the rest of the head unread in the socket.
            InputStream in = Channels.newInputStream(socket);
            OutputStream out = Channels.newOutputStream(socket);
            String requestLine = readUntil(in, LINE_END, 0, 8192);
            if (requestLine == null) {
                return;
            }
            requestLine = requestLine.substring(0, requestLine.length() - 2);
            seen.add(requestLine);
            String path = requestLine.split(" ")[1];
            boolean reset = path.startsWith("/reset-");
            // The request line ended with the head's first CRLF: header lines follow, or the final CRLF.
            if (!reset && readUntil(in, HEAD_END, 2, 65536) == null) {
                return;
            }
            switch (path) {
                case "/die-mid-length" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
                case "/die-mid-chunked" -> write(out,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n");
                case "/reset-before" -> reset(socket);
                case "/reset-mid" -> {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n01234");
                    pause();
                    reset(socket);
                }
                case "/silent", "/garbage-open" -> {
                    if (path.equals("/garbage-open")) {
                        out.write(new byte[] {0, 1, 2, (byte) 0xff, '\r', '\n', '\r', '\n'});
                        out.flush();
                    }
                    // Held until the proxy (or the test) closes the connection.
                    while (in.read() >= 0) {
                        // discard
                    }
                }
                case "/garbage" -> write(out, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
                case "/bad-status" -> write(out, "HTTP/1.1 2xx OK\r\nContent-Length: 2\r\n\r\nok");
                case "/double-length" -> write(out,
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nok"
                                + "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsmuggle");
                case "/extra" -> {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                            + "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nunasked");
                    while (in.read() >= 0) {
                        // held open
                    }
                }
                case "/close-after-head" -> write(out, "HTTP/1.1 200 OK\r\n\r\n");
                default -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        } catch (IOException e) {
            // the proxy went away: nothing to do
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Closes with the request's header lines still unread, which the peer sees as {@code ECONNRESET}. */
    private static void reset(SocketChannel socket) throws IOException {
        socket.close();
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final byte[] LINE_END = {'\r', '\n'};
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

    /**
     * Reads byte by byte up to and including {@code end}, of which the first {@code matched} bytes were
     * already read; null at end of stream or past {@code limit}.
     */
    private static String readUntil(InputStream in, byte[] end, int matched, int limit) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            read.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (read.size() > limit) {
                return null;
            }
        }
        return read.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
            for (SocketChannel socket : open) {
                socket.close();
            }
        } finally {
            Files.deleteIfExists(dir.resolve("cs.sock"));
            Files.deleteIfExists(dir);
        }
    }
}
