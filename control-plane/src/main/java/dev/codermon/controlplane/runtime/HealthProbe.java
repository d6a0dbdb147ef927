package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Asks code-server's {@code /healthz}, over its unix socket, whether it is ready. Thread-safe.
 *
 * <p>A minimal HTTP/1.1 exchange ({@code GET /healthz}, {@code Connection: close}) with one deadline for
 * connecting, writing and reading the status line. The path must itself be a socket: a symbolic link is
 * never followed, so a workspace that swapped its socket for a link to something else gets no request
 * sent there.
 */
public final class HealthProbe {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_STATUS_LINE = 1024;
    private static final byte[] REQUEST = ("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + "Accept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final Duration timeout;

    public HealthProbe() {
        this(DEFAULT_TIMEOUT);
    }

    HealthProbe(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Returns whether the unix socket at the path answers {@code GET /healthz} with 200 within the timeout;
     * false if the path is null, missing or not a socket.
     */
    public boolean isHealthy(String socketPath) {
        if (socketPath == null) {
            return false;
        }
        Path socket = Path.of(socketPath);
        if (!WorkspaceSockets.isSocket(socket)) {
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
            if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
                while (!channel.finishConnect()) {
                    if (!await(selector, deadline)) {
                        return false;
                    }
                }
            }
            key.interestOps(SelectionKey.OP_WRITE);
            ByteBuffer out = ByteBuffer.wrap(REQUEST);
            while (out.hasRemaining()) {
                if (channel.write(out) == 0 && !await(selector, deadline)) {
                    return false;
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(MAX_STATUS_LINE);
            while (!hasLineEnd(in) && in.hasRemaining()) {
                int n = channel.read(in);
                if (n < 0) {
                    break;
                }
                if (n == 0 && !await(selector, deadline)) {
                    return false;
                }
            }
            return isStatus200(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits for the channel's interest until the deadline; false once it has passed. */
    private static boolean await(Selector selector, long deadline) throws IOException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            return false;
        }
        selector.select(left);
        selector.selectedKeys().clear();
        return System.nanoTime() - deadline < 0;
    }

    private static boolean hasLineEnd(ByteBuffer in) {
        for (int i = 0; i < in.position(); i++) {
            if (in.get(i) == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Reads {@code HTTP/1.x 200 ...} from the response's first line. */
    static boolean isStatus200(String head) {
        int end = head.indexOf('\n');
        if (end < 0) {
            return false;
        }
        String[] parts = head.substring(0, end).strip().split(" ", 3);
        return parts.length >= 2 && parts[0].startsWith("HTTP/1.") && parts[1].equals("200");
    }
}
