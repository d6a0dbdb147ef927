package dev.codermon.systemtests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * WebSocket handshakes through the proxy on a raw socket, as a browser sends them: absolute-form, or inside a
 * {@code CONNECT host:80} tunnel. Answers the status code ("101", "403"), or "CONNECT 407" when the tunnel
 * itself is refused, or for {@link #echo} the text frame that came back.
 */
final class WebSocketProbe {

    private static final SecureRandom RANDOM = new SecureRandom();

    private WebSocketProbe() {
    }

    /** Absolute-form handshake (GET http://host/...) with Basic credentials (none when token is empty). */
    static String absolute(int proxyPort, String host, String user, String token) {
        return handshake(proxyPort, host, user, token, false, "http://" + host, codeServerPath(), null);
    }

    /** Absolute-form handshake through the proxy at proxyHost:proxyPort. */
    static String absolute(String proxyHost, int proxyPort, String host, String user, String token) {
        return handshake(proxyHost, proxyPort, host, user, token, false, "http://" + host, codeServerPath(), null);
    }

    /** CONNECT host:80, then the handshake inside the tunnel. */
    static String connect(int proxyPort, String host, String user, String token) {
        return handshake(proxyPort, host, user, token, true, "http://" + host, codeServerPath(), null);
    }

    /** CONNECT host:80, a handshake to PATH with this Origin, one text frame "hello"; returns the reply frame. */
    static String echo(int proxyPort, String host, String path, String user, String token, String origin) {
        return handshake(proxyPort, host, user, token, true, origin, path, "hello");
    }

    private static String codeServerPath() {
        return "/?reconnectionToken=" + UUID.randomUUID() + "&reconnection=false&skipWebSocketFrames=false";
    }

    private static String handshake(int proxyPort, String host, String user, String token, boolean tunnel,
            String origin, String path, String message) {
        return handshake("127.0.0.1", proxyPort, host, user, token, tunnel, origin, path, message);
    }

    private static String handshake(String proxyHost, int proxyPort, String host, String user, String token,
            boolean tunnel, String origin, String path, String message) {
        String auth = token.isEmpty() ? "" : "Proxy-Authorization: Basic "
                + Base64.getEncoder().encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8)) + "\r\n";
        byte[] keyBytes = new byte[16];
        RANDOM.nextBytes(keyBytes);
        String handshake = "Host: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(keyBytes) + "\r\nSec-WebSocket-Version: 13\r\nOrigin: " + origin
                + "\r\n";
        try (Socket s = new Socket(proxyHost, proxyPort)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (tunnel) {
                write(out, "CONNECT " + host + ":80 HTTP/1.1\r\nHost: " + host + ":80\r\n" + auth + "\r\n");
                String code = status(in);
                if (!code.equals("200")) {
                    return "CONNECT " + code;
                }
                write(out, "GET " + path + " HTTP/1.1\r\n" + handshake + "\r\n");
            } else {
                write(out, "GET http://" + host + path + " HTTP/1.1\r\n" + handshake + auth + "\r\n");
            }
            String code = status(in);
            if (message == null || !code.equals("101")) {
                return code;
            }
            byte[] payload = message.getBytes(StandardCharsets.UTF_8);
            byte[] mask = new byte[4];
            RANDOM.nextBytes(mask);
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x81);
            frame.write(0x80 | payload.length);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i % 4]);
            }
            out.write(frame.toByteArray());
            out.flush();
            int b0 = in.read();
            int len = in.read() & 0x7F;
            if (b0 < 0) {
                return "closed";
            }
            return new String(in.readNBytes(len), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "error: " + e;
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads a response head byte by byte (so nothing after it is consumed) and returns its status code. */
    private static String status(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        String[] parts = head.toString().split("\r\n", 2)[0].split(" ");
        return parts.length > 1 ? parts[1] : "none";
    }
}
