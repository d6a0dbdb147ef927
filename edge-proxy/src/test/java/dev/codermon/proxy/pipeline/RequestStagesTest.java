package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.access.ProxyAuthenticator;
import dev.codermon.proxy.http.TargetPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestStagesTest {

    private final TestTokens tokens = new TestTokens();
    private final ProxyAuthenticator authenticator = new ProxyAuthenticator(tokens.verifier());
    /** The last built pipeline's credentials (its tunnel once a CONNECT was accepted). */
    private ConnectionCredentials credentials;

    private static HttpRequest request(HttpMethod method, String uri, String auth) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        request.headers().set(HttpHeaderNames.HOST, "main.alice.codermon.internal");
        if (auth != null) {
            request.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, auth);
        }
        return request;
    }

    private final SqliteRouteStore store;

    RequestStagesTest(@TempDir Path dir) {
        store = SqliteRouteStore.open(dir.resolve("routes.db"));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Builds authentication, CONNECT and session stages (the latter answers 407 for requests without credentials). */
    private EmbeddedChannel authAndConnect() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadSuspension reads = new ReadSuspension(channel);
        credentials = new ConnectionCredentials(authenticator);
        channel.pipeline().addLast(HandlerNames.AUTHENTICATE, new AuthenticateHandler(credentials,
                new ProxySessions(store, ForkJoinPool.commonPool(), Clock.systemUTC(), Duration.ofHours(1)), reads));
        channel.pipeline().addLast(HandlerNames.CONNECT,
                new ConnectHandler(new TargetPolicy("codermon.internal"), null, credentials, reads));
        return channel;
    }

    @Test
    void authenticated_request_moves_on_without_its_credentials() {
        EmbeddedChannel channel = authAndConnect();
        channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/",
                "Bearer " + tokens.tokenFor("alice")), LastHttpContent.EMPTY_LAST_CONTENT);
        Exchange passed = assertInstanceOf(Exchange.class, channel.readInbound());
        assertEquals("alice", passed.principal.user());
        assertNull(passed.tunnelHost());
        assertNull(passed.request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION));
        assertInstanceOf(LastHttpContent.class, channel.readInbound());
        assertNull(channel.readOutbound());
        assertFalse(channel.finishAndReleaseAll());
    }

    private static void assertRefused(EmbeddedChannel channel) {
        FullHttpResponse response = channel.readOutbound();
        try {
            assertEquals(407, response.status().code());
        } finally {
            response.release();
        }
    }

    @Test
    void reused_credentials_on_a_connection_are_still_checked_for_expiry_and_revocation() {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.now());
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        };
        Revocations revocations = new Revocations();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new AuthenticateHandler(
                new ConnectionCredentials(new ProxyAuthenticator(tokens.verifier(), revocations, clock)), null,
                new ReadSuspension(channel)));
        String header = "Bearer " + tokens.tokenFor("alice");
        for (int i = 0; i < 2; i++) {
            channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/", header));
            assertEquals("alice", assertInstanceOf(Exchange.class, channel.readInbound()).principal.user());
        }
        // Revoked: the same header on the same connection is refused.
        revocations.update(java.util.Map.of("alice", now.get().plusSeconds(1)));
        channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/", header));
        assertNull(channel.readInbound());
        assertRefused(channel);
        // Not revoked any more, but expired.
        revocations.update(java.util.Map.of());
        channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/", header));
        assertInstanceOf(Exchange.class, channel.readInbound());
        now.set(now.get().plus(Duration.ofDays(2)));
        channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/", header));
        assertNull(channel.readInbound());
        assertRefused(channel);
        channel.finishAndReleaseAll();
    }

    @Test
    void a_connection_that_changes_its_header_is_judged_by_the_new_one() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new AuthenticateHandler(new ConnectionCredentials(authenticator), null,
                new ReadSuspension(channel)));
        String alice = "Bearer " + tokens.tokenFor("alice");
        String[] headers = {alice, alice, "Bearer " + tokens.tokenFor("bob"), alice};
        String[] users = {"alice", "alice", "bob", "alice"};
        for (int i = 0; i < headers.length; i++) {
            channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/", headers[i]));
            assertEquals(users[i], assertInstanceOf(Exchange.class, channel.readInbound()).principal.user());
        }
        // A bad header after a good one is refused, and the good one still works after it.
        channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/", alice + "x"));
        assertNull(channel.readInbound());
        assertRefused(channel);
        channel.writeInbound(request(HttpMethod.GET, "http://main.alice.codermon.internal/", alice));
        assertEquals("alice", assertInstanceOf(Exchange.class, channel.readInbound()).principal.user());
        channel.finishAndReleaseAll();
    }

    @Test
    void missing_credentials_get_a_framed_407_and_the_body_is_dropped() {
        EmbeddedChannel channel = authAndConnect();
        HttpRequest post = request(HttpMethod.POST, "http://main.alice.codermon.internal/", null);
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5);
        channel.writeInbound(post, new DefaultHttpContent(Unpooled.copiedBuffer("he", StandardCharsets.UTF_8)),
                LastHttpContent.EMPTY_LAST_CONTENT);
        assertNull(channel.readInbound(), "a refused request or its body went on");
        FullHttpResponse response = channel.readOutbound();
        assertEquals(407, response.status().code());
        assertEquals("Basic realm=\"codermon\"", response.headers().get(HttpHeaderNames.PROXY_AUTHENTICATE));
        assertEquals(String.valueOf(response.content().readableBytes()),
                response.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        assertEquals("proxy authentication required\n", response.content().toString(StandardCharsets.UTF_8));
        assertEquals("keep-alive", response.headers().get(HttpHeaderNames.CONNECTION));
        response.release();
        assertTrue(channel.isOpen(), "a 407 must keep the connection for the retry");
        channel.finishAndReleaseAll();
    }

    @Test
    void accepted_connect_answers_200_and_pins_the_principal() {
        EmbeddedChannel channel = authAndConnect();
        channel.writeInbound(request(HttpMethod.CONNECT, "main.alice.codermon.internal:80",
                "Bearer " + tokens.tokenFor("alice")), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse response = channel.readOutbound();
        assertEquals(200, response.status().code());
        assertEquals("Connection Established", response.status().reasonPhrase());
        response.release();
        assertEquals(new Tunnel("main.alice.codermon.internal", 80),
                credentials.tunnel());
        assertNull(channel.readInbound(), "the CONNECT itself must not be forwarded");

        channel.writeInbound(request(HttpMethod.GET, "/inner", null), LastHttpContent.EMPTY_LAST_CONTENT);
        Exchange inner = assertInstanceOf(Exchange.class, channel.readInbound());
        assertEquals("alice", inner.principal.user());
        assertEquals("main.alice.codermon.internal", inner.tunnelHost());
        assertInstanceOf(LastHttpContent.class, channel.readInbound());

        channel.writeInbound(request(HttpMethod.CONNECT, "main.alice.codermon.internal:80", null),
                LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse nested = channel.readOutbound();
        assertEquals(400, nested.status().code());
        nested.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void connect_to_port_8443_is_refused_and_closes() {
        EmbeddedChannel channel = authAndConnect();
        channel.writeInbound(request(HttpMethod.CONNECT, "main.alice.codermon.internal:8443",
                "Bearer " + tokens.tokenFor("alice")), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse response = channel.readOutbound();
        assertEquals(403, response.status().code());
        assertEquals("CONNECT is only allowed to workspace hosts on port 80 or 443\n",
                response.content().toString(StandardCharsets.UTF_8));
        response.release();
        assertNull(channel.readInbound());
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();
    }

    @Test
    void undecodable_request_gets_400_and_close() {
        RequestHeadGuard guard = new RequestHeadGuard(java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
        EmbeddedChannel channel = new EmbeddedChannel(guard, new HttpServerCodec(),
                new FramingEnforcingHandler(guard, 100));
        channel.writeInbound(Unpooled.copiedBuffer("GET http://main.alice.codermon.internal/ HTTP/1.1\r\n"
                + "Bad Header: x\r\n\r\n", StandardCharsets.US_ASCII));
        assertNull(channel.readInbound());
        ByteBuf out = channel.readOutbound();
        String text = out.toString(StandardCharsets.US_ASCII);
        out.release();
        assertTrue(text.startsWith("HTTP/1.1 400 Bad Request"), text);
        assertTrue(text.contains("content-length: 18"), text);
        assertTrue(text.endsWith("malformed request\n"), text);
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();
    }
}
