package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Listens on a unix socket and answers every request with one fixed status line (or never answers), as a
 * stand-in for code-server's {@code /healthz} in unit tests. Counts the connections it accepted.
 */
public final class UnixHttpServer implements AutoCloseable {

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    public final AtomicInteger connections = new AtomicInteger();

    private UnixHttpServer(Path path, int status, boolean silent) throws IOException {
        this.path = path;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        this.acceptor = new Thread(() -> serve(status, silent), "unix-http-" + path.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Answers every request with this status. */
    public static UnixHttpServer answering(Path path, int status) throws IOException {
        return new UnixHttpServer(path, status, false);
    }

    /** Accepts connections and reads requests but never answers. */
    public static UnixHttpServer silent(Path path) throws IOException {
        return new UnixHttpServer(path, 0, true);
    }

    public Path path() {
        return path;
    }

    private void serve(int status, boolean silent) {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                connections.incrementAndGet();
                ByteBuffer in = ByteBuffer.allocate(4096);
                while (!new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).contains("\r\n\r\n")
                        && c.read(in) >= 0 && in.hasRemaining()) {
                    // read the request head
                }
                if (silent) {
                    c.read(ByteBuffer.allocate(1));
                    continue;
                }
                String body = "{\"status\":\"alive\"}";
                c.write(ByteBuffer.wrap(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                        .getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException closed) {
                // the server was closed, or the client went away
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
