package dev.codermon.proxy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Stands for a workspace's SSH server on its unix socket: like sshd, it speaks first (its greeting line)
 * and then echoes what it receives. One connection at a time, on a thread of its own.
 */
final class FakeSshServer implements AutoCloseable {

    static final String GREETING = "SSH-2.0-CodermonTest";

    private final ServerSocketChannel server;
    private final Path socket;
    private final Thread thread;

    private FakeSshServer(ServerSocketChannel server, Path socket) {
        this.server = server;
        this.socket = socket;
        this.thread = new Thread(this::serve, "fake-sshd");
        thread.setDaemon(true);
    }

    static FakeSshServer start(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        FakeSshServer fake = new FakeSshServer(server, socket);
        fake.thread.start();
        return fake;
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel connection = server.accept()) {
                connection.write(ByteBuffer.wrap((GREETING + "\r\n").getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                while (connection.read(buffer) > 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        connection.write(buffer);
                    }
                    buffer.clear();
                }
            } catch (IOException e) {
                // The listener closed, or the client went away: serve the next one, if any.
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
