package dev.codermon.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** A socket client that speaks exact HTTP/1.1 proxy framing and minimal WebSocket frames. */
public final class RawClient implements AutoCloseable {

    /** A parsed response; header names are lower-case. */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {

        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8).strip();
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(15_000);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /**
     * Starts TLS on the connection (after a CONNECT :443 was accepted), verifying the server's
     * certificate chain with the context and its name against the host.
     */
    public RawClient startTls(javax.net.ssl.SSLContext context, String host) throws IOException {
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket(socket, host, 443, true);
        javax.net.ssl.SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        socket = tls;
        in = new java.io.BufferedInputStream(tls.getInputStream());
        out = tls.getOutputStream();
        return this;
    }

    /** Sends a masked WebSocket frame with the given opcode and a short payload. */
    public void sendFrame(int opcode, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        out.write(0x80 | opcode);
        out.write(0x80 | payload.length);
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
    }

    public static String basic(String user, String token) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8));
    }

    public RawClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** Half-closes the connection: sends FIN, keeps reading. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    public OutputStream out() {
        return out;
    }

    public InputStream in() {
        return in;
    }

    /** Reads one response; the body is read by Content-Length or chunked framing (none for 1xx, 204, 304). */
    public Response readResponse() throws IOException {
        return readResponse(false);
    }

    /** Reads one response head and, unless headOnly, its body. */
    public Response readResponse(boolean headOnly) throws IOException {
        String statusLine = readLine();
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).strip());
        }
        Response head = new Response(status, headers, new byte[0]);
        if (headOnly || status < 200 || status == 204 || status == 304
                || (status == 200 && statusLine.contains("Connection Established"))) {
            return head;
        }
        if (head.header("content-length") != null) {
            return new Response(status, headers, in.readNBytes(Integer.parseInt(head.header("content-length"))));
        }
        if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(readLine().strip(), 16); size > 0;
                    size = Integer.parseInt(readLine().strip(), 16)) {
                body.write(in.readNBytes(size));
                readLine();
            }
            readLine();
            return new Response(status, headers, body.toByteArray());
        }
        return new Response(status, headers, in.readAllBytes());
    }

    /** Returns whether the peer closed the connection (reads end-of-stream within the timeout). */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Sends a masked WebSocket text frame (payload under 126 bytes). */
    public void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        out.write(0x81);
        out.write(0x80 | payload.length);
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
    }

    /** Sends a masked WebSocket close frame. */
    public void sendClose() throws IOException {
        out.write(new byte[] {(byte) 0x88, (byte) 0x80, 1, 2, 3, 4});
        out.flush();
    }

    /** Reads one unmasked frame from the server and returns "opcode:payload". */
    public String readFrame() throws IOException {
        int b0 = readByte();
        int len = readByte() & 0x7f;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
        }
        byte[] payload = in.readNBytes(len);
        return (b0 & 0x0f) + ":" + new String(payload, StandardCharsets.UTF_8);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed");
        }
        return b;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed after: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
