package dev.codermon.bench.cluster;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection to an edge proxy used as a forward proxy: {@code GET http://<host>/}
 * with Basic proxy credentials. Reconnects when the proxy closed the connection. Not thread-safe: one per
 * polling thread.
 */
final class ProxyClient implements Closeable {

    private static final int TIMEOUT_MS = 2000;

    private final InetSocketAddress proxy;
    private final String proxyAuthorization;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    ProxyClient(InetSocketAddress proxy, String proxyAuthorization) {
        this.proxy = proxy;
        this.proxyAuthorization = proxyAuthorization;
    }

    /** Returns the status of {@code GET http://<hostname>/} through the proxy (one retry on a closed connection). */
    int get(String hostname) throws IOException {
        byte[] request = ("GET http://" + hostname + "/ HTTP/1.1\r\nHost: " + hostname + "\r\nProxy-Authorization: "
                + proxyAuthorization + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int attempt = 0;; attempt++) {
            boolean fresh = socket == null;
            try {
                open();
                out.write(request);
                out.flush();
                return readResponse();
            } catch (IOException e) {
                close();
                if (fresh || attempt > 0) {
                    throw e;
                }
            }
        }
    }

    private void open() throws IOException {
        if (socket != null) {
            return;
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(TIMEOUT_MS);
            s.connect(proxy, TIMEOUT_MS);
            in = new BufferedInputStream(s.getInputStream(), 8192);
            out = s.getOutputStream();
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private int readResponse() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean closes = status.startsWith("HTTP/1.0");
        for (String h = line(); !h.isEmpty(); h = line()) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:")) {
                closes = lower.contains("close");
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0;
                    size = Long.parseLong(line().split(";")[0].trim(), 16)) {
                skip(size);
                line();
            }
            for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                // trailers are ignored
            }
        } else if (length >= 0) {
            skip(length);
        } else {
            closes = true; // body until close: not read, the connection is not reused
        }
        if (closes) {
            close();
        }
        return code;
    }

    private void skip(long n) throws IOException {
        for (long left = n; left > 0; left--) {
            if (in.read() < 0) {
                throw new IOException("connection closed in a body");
            }
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed by the proxy");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
