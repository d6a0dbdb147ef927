package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.access.ProxyAuthenticator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sign-in links against login CSRF, and session cookies against tossing, stage by stage in a credential-less tunnel. */
class SignInStagesTest {

    private static final String HOST = "main.alice.codermon.internal";
    private static final String[] FOREIGN_NAVIGATION = {"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate",
        "Sec-Fetch-Dest", "document"};

    private final TestTokens tokens = new TestTokens();

    private final SqliteRouteStore store;
    private final Revocations revocations = new Revocations();
    private final ProxyAuthenticator authenticator = new ProxyAuthenticator(tokens.verifier(), revocations,
            Clock.systemUTC());
    private final ProxySessions sessions;

    SignInStagesTest(@TempDir Path dir) {
        store = SqliteRouteStore.open(dir.resolve("routes.db"));
        sessions = new ProxySessions(store, Runnable::run, Clock.systemUTC(), Duration.ofHours(12));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private EmbeddedChannel tunnel(int port) {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadSuspension reads = new ReadSuspension(channel);
        ConnectionCredentials credentials = ConnectionCredentials.inTunnel(authenticator, null, new Tunnel(HOST, port));
        channel.pipeline().addLast(HandlerNames.SIGN_IN,
                new SignInHandler(tokens.verifier(), sessions, revocations,
                        java.util.Set.of("http://localhost:5001"), credentials, reads));
        channel.pipeline().addLast(HandlerNames.AUTHENTICATE, new AuthenticateHandler(credentials, sessions, reads));
        return channel;
    }

    private static HttpRequest request(HttpMethod method, String uri, String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        request.headers().set(HttpHeaderNames.HOST, HOST);
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    private String link() {
        return "/__codermon/auth?token="
                + tokens.issuer().issueBootstrap("alice", "ws-alice", HOST, Duration.ofMinutes(5)).token();
    }

    private static FullHttpResponse answer(EmbeddedChannel channel, HttpRequest request) {
        channel.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
        channel.runPendingTasks();
        return channel.readOutbound();
    }

    @Test
    void a_link_another_page_opened_asks_first_and_stays_unused_until_confirmed_from_the_hosts_own_page() {
        EmbeddedChannel channel = tunnel(Tunnel.HTTPS_PORT);
        String link = link();
        FullHttpResponse page = answer(channel, request(HttpMethod.GET, link, FOREIGN_NAVIGATION));
        String html = page.content().toString(StandardCharsets.UTF_8);
        assertEquals(200, page.status().code(), html);
        assertNull(page.headers().get(HttpHeaderNames.SET_COOKIE));
        assertTrue(html.contains(HOST) && html.contains("alice"), html);
        assertTrue(page.headers().get(HttpHeaderNames.CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
        page.release();

        // A refusal ends its connection: each attempt on a connection of its own.
        for (String origin : new String[] {"https://evil.example", "https://8501." + HOST, "http://" + HOST, null}) {
            EmbeddedChannel attempt = tunnel(Tunnel.HTTPS_PORT);
            FullHttpResponse refused = answer(attempt, origin == null ? request(HttpMethod.POST, link)
                    : request(HttpMethod.POST, link, "Origin", origin));
            assertEquals(403, refused.status().code(), String.valueOf(origin));
            assertNull(refused.headers().get(HttpHeaderNames.SET_COOKIE));
            refused.release();
            attempt.finishAndReleaseAll();
        }

        FullHttpResponse confirmed = answer(channel, request(HttpMethod.POST, link, "Origin", "https://" + HOST));
        assertEquals(302, confirmed.status().code());
        assertTrue(confirmed.headers().get(HttpHeaderNames.SET_COOKIE).startsWith("__Host-codermon_session="));
        confirmed.release();

        assertNull(channel.readInbound());
        assertFalse(channel.finishAndReleaseAll());
        EmbeddedChannel again = tunnel(Tunnel.HTTPS_PORT);
        FullHttpResponse replay = answer(again, request(HttpMethod.POST, link, "Origin", "https://" + HOST));
        assertEquals(403, replay.status().code());
        assertEquals("this sign-in link was already used\n", replay.content().toString(StandardCharsets.UTF_8));
        replay.release();
        again.finishAndReleaseAll();
    }

    @Test
    void a_framed_link_is_not_redeemed_even_after_a_click() {
        EmbeddedChannel channel = tunnel(80);
        String link = link();
        FullHttpResponse page = answer(channel, request(HttpMethod.GET, link, "Sec-Fetch-Site", "same-site",
                "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "iframe", "Sec-Fetch-User", "?1"));
        assertEquals(200, page.status().code());
        page.release();
        // Still unused: the person's own click on it signs in.
        FullHttpResponse clicked = answer(channel, request(HttpMethod.GET, link, "Sec-Fetch-Site", "cross-site",
                "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Sec-Fetch-User", "?1"));
        assertEquals(302, clicked.status().code());
        assertTrue(clicked.headers().get(HttpHeaderNames.SET_COOKIE).startsWith("codermon_session="));
        clicked.release();
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void several_session_cookies_are_refused_with_a_hint_to_clear_them() {
        EmbeddedChannel channel = tunnel(80);
        FullHttpResponse response = answer(channel, request(HttpMethod.GET, "/",
                "Cookie", "codermon_session=mine; codermon_session=tossed"));
        assertEquals(400, response.status().code());
        assertTrue(response.content().toString(StandardCharsets.UTF_8).contains("clear this host's cookies"));
        response.release();
        assertNull(channel.readInbound());
        channel.finishAndReleaseAll();
    }
}
