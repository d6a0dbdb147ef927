package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Route;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.access.ProxyAuthenticator;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.routes.RouteTable;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SSH CONNECT decision ({@link SshConnectHandler}) on an embedded pipeline with the real HTTP codec:
 * what is refused never makes the proxy connect anywhere, and what is accepted becomes a raw relay in
 * which bytes sent right after the CONNECT reach the SSH server unparsed.
 */
class SshConnectStagesTest {

    private static final String ALICE = "main.alice.codermon.internal";
    private static final String ALICE_SOCKET = "/data/sockets/ws-a/code-server.sock";

    private final TestTokens tokens = new TestTokens();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final Map<String, Route> routes = Map.of(ALICE, new Route("ws-a", "alice", ALICE, ALICE_SOCKET));
    private final RouteTable cache = RouteTable.holding(routes);
    private final ActivityRecorder activity = new ActivityRecorder((id, at) -> { }, Clock.systemUTC(), executor,
            Duration.ofMinutes(1));
    /** Every socket path the proxy connected to, and the channels it made for them. */
    private final List<String> connectedPaths = new ArrayList<>();
    private final List<EmbeddedChannel> servers = new ArrayList<>();
    private boolean serverMissing;

    @AfterEach
    void stop() {
        activity.close();
        executor.shutdownNow();
        servers.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel pipeline() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadSuspension reads = new ReadSuspension(channel);
        TargetPolicy policy = new TargetPolicy("codermon.internal");
        UpstreamConnector connector = new UpstreamConnector(() -> {
            EmbeddedChannel server = new EmbeddedChannel(false, false);
            servers.add(server);
            return server;
        }, this::address, 1000, WriteBufferWaterMark.DEFAULT);
        ConnectionCredentials credentials = new ConnectionCredentials(new ProxyAuthenticator(tokens.verifier()));
        channel.pipeline().addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec());
        channel.pipeline().addLast(HandlerNames.AUTHENTICATE, new AuthenticateHandler(credentials, null, reads));
        channel.pipeline().addLast(HandlerNames.SSH, new SshConnectHandler(policy, new WorkspaceRoutes(policy, cache),
                new LiveConnections(), connector, activity, reads));
        channel.pipeline().addLast(HandlerNames.CONNECT, new ConnectHandler(policy, null, credentials, reads));
        return channel;
    }

    private SocketAddress address(String path) {
        connectedPaths.add(path);
        if (serverMissing) {
            throw new IllegalArgumentException("no socket at " + path);
        }
        return new io.netty.channel.local.LocalAddress("ssh-server");
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    private static String connect(String authority, String credentials) {
        return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n"
                + (credentials == null ? "" : "Proxy-Authorization: " + credentials + "\r\n") + "\r\n";
    }

    private String bearer(String user) {
        return "Bearer " + tokens.tokenFor(user);
    }

    /** Runs the channel's tasks until it wrote something (the route lookup completes on another thread). */
    private static String response(EmbeddedChannel channel) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            channel.runPendingTasks();
            ByteBuf out = channel.readOutbound();
            if (out != null) {
                try {
                    return out.toString(StandardCharsets.ISO_8859_1);
                } finally {
                    out.release();
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no response");
    }

    private static String text(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Test
    void ssh_to_anything_but_a_workspace_host_is_refused_and_nothing_is_connected() throws Exception {
        String[] targets = {"example.com:22", "127.0.0.1:22", "localhost:22", "22.main.alice.codermon.internal:22",
            "8080.main.alice.codermon.internal:22", "[::1]:22"};
        for (String target : targets) {
            EmbeddedChannel channel = pipeline();
            channel.writeInbound(bytes(connect(target, bearer("alice"))));
            String answer = response(channel);
            assertTrue(answer.startsWith("HTTP/1.1 403") || answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
            assertTrue(answer.contains("reaches workspace hosts only") || answer.contains("malformed host"),
                    target + ": " + answer);
            assertFalse(channel.finishAndReleaseAll());
        }
        assertEquals(List.of(), connectedPaths);
    }

    @Test
    void ssh_without_proxy_credentials_gets_a_challenge_and_a_cookie_does_not_count() throws Exception {
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(bytes("CONNECT " + ALICE + ":22 HTTP/1.1\r\nHost: " + ALICE
                + ":22\r\nCookie: codermon_session=anything\r\n\r\n"));
        String answer = response(channel);
        assertTrue(answer.startsWith("HTTP/1.1 407"), answer);
        assertTrue(answer.toLowerCase().contains("proxy-authenticate:"), answer);
        assertTrue(answer.contains("SSH through the proxy needs Proxy-Authorization"), answer);
        channel.writeInbound(bytes(connect(ALICE + ":22", "Bearer not-a-token")));
        assertTrue(response(channel).startsWith("HTTP/1.1 407"));
        channel.finishAndReleaseAll();
        assertEquals(List.of(), connectedPaths);
    }

    @Test
    void ssh_to_another_users_or_an_unknown_workspace_is_refused_alike() throws Exception {
        for (String host : new String[] {ALICE, "stopped.alice.codermon.internal"}) {
            EmbeddedChannel channel = pipeline();
            channel.writeInbound(bytes(connect(host + ":22", bearer(host.equals(ALICE) ? "bob" : "alice"))
                    + "SSH-2.0-OpenSSH_9.2\r\n"));
            String answer = response(channel);
            assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
            assertTrue(answer.contains("no running workspace of yours at this host"), answer);
            assertFalse(channel.isActive(), "the decoder is gone: the connection ends with the refusal");
            channel.finishAndReleaseAll();
        }
        String basicBob = "Basic " + Base64.getEncoder().encodeToString(
                ("bob:" + tokens.tokenFor("bob")).getBytes(StandardCharsets.UTF_8));
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(bytes(connect(ALICE + ":22", basicBob)));
        assertTrue(response(channel).startsWith("HTTP/1.1 403"));
        channel.finishAndReleaseAll();
        assertEquals(List.of(), connectedPaths);
    }

    @Test
    void the_owners_ssh_connect_becomes_a_raw_relay_to_the_ssh_socket_beside_code_server() throws Exception {
        EmbeddedChannel channel = pipeline();
        // The client's version line arrives with the CONNECT: it must reach the server as bytes, not as HTTP.
        channel.writeInbound(bytes(connect(ALICE + ":22", bearer("alice")) + "SSH-2.0-OpenSSH_9.2\r\n"));
        String answer = response(channel);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertEquals(List.of("/data/sockets/ws-a/ssh.sock"), connectedPaths);
        EmbeddedChannel server = servers.get(0);
        server.runPendingTasks();
        assertEquals("SSH-2.0-OpenSSH_9.2\r\n", text(server));
        assertNull(channel.pipeline().get(HandlerNames.HTTP_CODEC));
        assertNull(channel.pipeline().get(HandlerNames.SSH));
        assertNotNull(channel.pipeline().get(HandlerNames.RELAY));

        channel.writeInbound(bytes("\0\0\0\u000cbinary\r\n\r\n GET / HTTP/1.1\r\n"));
        server.runPendingTasks();
        assertEquals("\0\0\0\u000cbinary\r\n\r\n GET / HTTP/1.1\r\n", text(server));
        server.writeInbound(bytes("SSH-2.0-OpenSSH_9.2 server\r\n"));
        channel.runPendingTasks();
        assertEquals("SSH-2.0-OpenSSH_9.2 server\r\n", text(channel));

        server.close();
        channel.runPendingTasks();
        assertFalse(channel.isActive(), "the client connection closes with the SSH server's");
        channel.finishAndReleaseAll();
    }

    @Test
    void a_workspace_without_an_ssh_server_gets_a_clear_502() throws Exception {
        serverMissing = true;
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(bytes(connect(ALICE + ":22", bearer("alice"))));
        String answer = response(channel);
        assertTrue(answer.startsWith("HTTP/1.1 502"), answer);
        assertTrue(answer.contains("has no SSH server"), answer);
        channel.finishAndReleaseAll();
    }

    @Test
    void connect_to_port_80_still_goes_to_the_web_tunnel_stage() throws Exception {
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(bytes(connect(ALICE + ":80", bearer("alice"))));
        assertTrue(response(channel).startsWith("HTTP/1.1 200"));
        assertNotNull(channel.pipeline().get(HandlerNames.HTTP_CODEC), "a web tunnel keeps parsing HTTP");
        channel.finishAndReleaseAll();
        assertEquals(List.of(), connectedPaths);
    }
}
