package dev.codermon.controlplane.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Sends one HTTP/1.1 GET over a unix socket, for tests that check code-server the way the proxy reaches it. */
public final class UnixHttp {

    /**
     * Holds an answer.
     *
     * @param status the status code
     * @param body   the body (de-chunked)
     */
    public record Response(int status, String body) {
    }

    private UnixHttp() {
    }

    /**
     * Sends {@code GET path} with {@code Host: host} and {@code Connection: close} and reads the whole answer.
     *
     * @throws IOException if the socket cannot be reached or the answer does not come within the timeout
     */
    public static Response get(Path socket, String host, String path, Duration timeout) throws IOException {
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(socket, host, path);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause()
                    : new IOException(e.getCause());
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new IOException("no answer from " + socket + " within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static Response exchange(Path socket, String host, String path) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (channel.read(buf) >= 0) {
                all.write(buf.array(), 0, buf.position());
                buf.clear();
                if (all.size() > 4 << 20) {
                    throw new IOException("answer larger than 4 MiB");
                }
            }
            return parse(all.toString(StandardCharsets.ISO_8859_1));
        }
    }

    private static Response parse(String raw) throws IOException {
        int headEnd = raw.indexOf("\r\n\r\n");
        if (headEnd < 0 || !raw.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + raw.substring(0, Math.min(raw.length(), 200)));
        }
        String head = raw.substring(0, headEnd);
        int status = Integer.parseInt(head.split(" ", 3)[1]);
        String body = raw.substring(headEnd + 4);
        if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
            StringBuilder out = new StringBuilder();
            int i = 0;
            while (true) {
                int eol = body.indexOf("\r\n", i);
                int size = Integer.parseInt(body.substring(i, eol).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                out.append(body, eol + 2, eol + 2 + size);
                i = eol + 2 + size + 2;
            }
            body = out.toString();
        }
        return new Response(status, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }
}
