package dev.codermon.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A misbehaving upstream on a plain loopback socket, one thread per connection: it reads one request head,
 * records its first line, and then does what the path says.
 * <ul>
 *   <li>{@code /die-mid-length}: a 100-byte {@code Content-Length} response cut after 10 bytes (FIN)</li>
 *   <li>{@code /die-mid-chunked}: a chunked response cut after its first chunk (FIN)</li>
 *   <li>{@code /reset-before}: a TCP reset before any response byte</li>
 *   <li>{@code /reset-mid}: half a response, then a TCP reset</li>
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

    private final ServerSocket server;
    private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    public FaultyUpstream() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "faulty-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
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
        open.removeIf(Socket::isClosed);
        return open.size();
    }

    private void acceptLoop() {
        try {
            while (!server.isClosed()) {
                Socket socket = server.accept();
                open.add(socket);
                Thread worker = new Thread(() -> serve(socket), "faulty-upstream-conn");
                worker.setDaemon(true);
                worker.start();
            }
        } catch (IOException closed) {
            stopped.countDown();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            seen.add(requestLine);
            String path = requestLine.split(" ")[1];
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

    private static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 65536) {
                return null;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
