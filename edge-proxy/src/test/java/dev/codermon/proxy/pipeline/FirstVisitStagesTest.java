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
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
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

/**
 * The first https visit of a browser with proxy credentials, stage by stage: the sign-in, login and
 * session stages of a connection, in a tunnel without a principal or outside any tunnel.
 */
class FirstVisitStagesTest {

    private static final String HOST = "main.alice.codermon.internal";
    private static final String NAVIGATION_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8";

    private final TestTokens tokens = new TestTokens();
    private final SqliteRouteStore store;
    private final Revocations revocations = new Revocations();
    private final ProxyAuthenticator authenticator = new ProxyAuthenticator(tokens.verifier(), revocations,
            Clock.systemUTC());
    private final ProxySessions sessions;

    FirstVisitStagesTest(@TempDir Path dir) {
        store = SqliteRouteStore.open(dir.resolve("routes.db"));
        sessions = new ProxySessions(store, Runnable::run, Clock.systemUTC(), Duration.ofHours(12));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Builds the stages of a connection; a tunnel without a principal when tunnel is not null. */
    private EmbeddedChannel stages(Tunnel tunnel) {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadSuspension reads = new ReadSuspension(channel);
        ConnectionCredentials credentials = tunnel == null
                ? new ConnectionCredentials(authenticator) : ConnectionCredentials.inTunnel(authenticator, null, tunnel);
        channel.pipeline().addLast(HandlerNames.SIGN_IN,
                new SignInHandler(tokens.verifier(), sessions, revocations,
                        java.util.Set.of("http://localhost:5001"), credentials, reads));
        // No route lookups happen without a principal, so no route cache is needed here.
        channel.pipeline().addLast(HandlerNames.LOGIN,
                new LoginHandler(new TargetPolicy("codermon.internal"), null, sessions, credentials, reads));
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

    private static String text(FullHttpResponse response) {
        return response.content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void navigation_in_a_credential_less_tls_tunnel_is_redirected_to_the_http_login() {
        EmbeddedChannel channel = stages(new Tunnel(HOST, Tunnel.HTTPS_PORT));
        channel.writeInbound(request(HttpMethod.GET, "/some/path?x=1", "Accept", NAVIGATION_ACCEPT,
                "Sec-Fetch-Mode", "navigate"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertNull(channel.readInbound(), "the navigation went on to the workspace");
        FullHttpResponse response = channel.readOutbound();
        assertEquals(302, response.status().code());
        assertEquals("http://" + HOST + "/__codermon/login?return=%2Fsome%2Fpath%3Fx%3D1",
                response.headers().get(HttpHeaderNames.LOCATION));
        assertEquals("no-store", response.headers().get(HttpHeaderNames.CACHE_CONTROL));
        assertEquals("0", response.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        assertNull(response.headers().get(HttpHeaderNames.SET_COOKIE));
        response.release();
        assertTrue(channel.isOpen());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void navigation_with_an_unknown_cookie_is_redirected_too() {
        EmbeddedChannel channel = stages(new Tunnel(HOST, Tunnel.HTTPS_PORT));
        channel.writeInbound(request(HttpMethod.HEAD, "/", "Accept", NAVIGATION_ACCEPT,
                "Cookie", "__Host-codermon_session=" + "A".repeat(43)), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse response = channel.readOutbound();
        assertEquals(302, response.status().code());
        assertEquals("http://" + HOST + "/__codermon/login?return=%2F",
                response.headers().get(HttpHeaderNames.LOCATION));
        response.release();
        assertNull(channel.readInbound());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void other_requests_in_a_credential_less_tls_tunnel_are_still_refused() {
        HttpRequest[] requests = {
            request(HttpMethod.GET, "/api", "Accept", "application/json", "Sec-Fetch-Mode", "cors"),
            request(HttpMethod.GET, "/page", "Accept", "text/html", "Sec-Fetch-Mode", "cors"),
            request(HttpMethod.GET, "/static/app.js", "Accept", "*/*", "Sec-Fetch-Mode", "no-cors"),
            request(HttpMethod.GET, "/ws", "Upgrade", "websocket", "Connection", "Upgrade"),
            request(HttpMethod.POST, "/form", "Accept", NAVIGATION_ACCEPT, "Sec-Fetch-Mode", "navigate"),
        };
        for (HttpRequest request : requests) {
            EmbeddedChannel channel = stages(new Tunnel(HOST, Tunnel.HTTPS_PORT));
            channel.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
            FullHttpResponse response = channel.readOutbound();
            assertEquals(403, response.status().code(), request.toString());
            assertEquals("sign in through a Codermon link\n", text(response));
            response.release();
            assertNull(channel.readInbound());
            assertFalse(channel.isOpen());
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void request_after_redirects_answered_late_on_the_same_connection_keeps_its_body() {
        // Store calls wait until run by hand, so that every redirect is written after its request ended.
        java.util.ArrayDeque<Runnable> storeCalls = new java.util.ArrayDeque<>();
        ProxySessions slowSessions = new ProxySessions(store, storeCalls::add, Clock.systemUTC(), Duration.ofHours(12));
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadSuspension reads = new ReadSuspension(channel);
        ConnectionCredentials credentials =
                ConnectionCredentials.inTunnel(authenticator, null, new Tunnel(HOST, Tunnel.HTTPS_PORT));
        channel.pipeline().addLast(HandlerNames.SIGN_IN,
                new SignInHandler(tokens.verifier(), slowSessions, revocations,
                        java.util.Set.of("http://localhost:5001"), credentials, reads));
        channel.pipeline().addLast(HandlerNames.AUTHENTICATE, new AuthenticateHandler(credentials, slowSessions, reads));
        var minted = slowSessions.mintHandoff("alice", HOST);
        storeCalls.poll().run();
        String code = minted.join();

        channel.writeInbound(request(HttpMethod.GET, "/", "Accept", NAVIGATION_ACCEPT,
                "Cookie", "__Host-codermon_session=" + "A".repeat(43)), LastHttpContent.EMPTY_LAST_CONTENT);
        channel.writeInbound(request(HttpMethod.GET, "/__codermon/auth?code=" + code + "&return=%2Fnext"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        String location = null;
        String cookie = null;
        for (int i = 0; i < 10 && cookie == null; i++) {
            Runnable call;
            while ((call = storeCalls.poll()) != null) {
                call.run();
            }
            channel.runPendingTasks();
            FullHttpResponse response;
            while ((response = channel.readOutbound()) != null) {
                assertEquals(302, response.status().code());
                location = response.headers().get(HttpHeaderNames.LOCATION);
                String setCookie = response.headers().get(HttpHeaderNames.SET_COOKIE);
                if (setCookie != null) {
                    cookie = setCookie.substring("__Host-codermon_session=".length(), setCookie.indexOf(';'));
                }
                response.release();
            }
        }
        assertEquals("/next", location);
        assertNull(channel.readInbound(), "a redirected request went on");

        HttpRequest post = request(HttpMethod.POST, "/save", "Cookie", "__Host-codermon_session=" + cookie,
                "Content-Length", "4");
        channel.writeInbound(post, new DefaultHttpContent(Unpooled.copiedBuffer("da", StandardCharsets.UTF_8)),
                new DefaultLastHttpContent(Unpooled.copiedBuffer("ta", StandardCharsets.UTF_8)));
        Exchange passed = assertInstanceOf(Exchange.class, channel.readInbound());
        assertEquals("alice", passed.principal.user());
        HttpContent first = channel.readInbound();
        assertEquals("da", first.content().toString(StandardCharsets.UTF_8));
        first.release();
        LastHttpContent last = assertInstanceOf(LastHttpContent.class, channel.readInbound());
        assertEquals("ta", last.content().toString(StandardCharsets.UTF_8));
        last.release();
        assertNull(channel.readOutbound());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void login_without_credentials_is_challenged_and_the_connection_kept() {
        EmbeddedChannel channel = stages(null);
        channel.writeInbound(request(HttpMethod.GET, "http://" + HOST + "/__codermon/login?return=%2F",
                "Accept", NAVIGATION_ACCEPT), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse response = channel.readOutbound();
        assertEquals(407, response.status().code());
        assertEquals("Basic realm=\"codermon\"", response.headers().get(HttpHeaderNames.PROXY_AUTHENTICATE));
        assertTrue(text(response).startsWith("proxy authentication required"), text(response));
        assertEquals("keep-alive", response.headers().get(HttpHeaderNames.CONNECTION));
        response.release();
        assertNull(channel.readInbound());
        assertTrue(channel.isOpen());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void https_login_url_in_a_credential_less_tunnel_goes_to_the_same_http_url() {
        EmbeddedChannel channel = stages(new Tunnel(HOST, Tunnel.HTTPS_PORT));
        channel.writeInbound(request(HttpMethod.GET, "/__codermon/login?return=%2Fsome%2Fpath%3Fx%3D1",
                "Accept", NAVIGATION_ACCEPT, "Sec-Fetch-Mode", "navigate"), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse response = channel.readOutbound();
        assertEquals(302, response.status().code());
        // Exactly the http form of the same URL: a browser that upgraded it to https sees the loop and falls back.
        assertEquals("http://" + HOST + "/__codermon/login?return=%2Fsome%2Fpath%3Fx%3D1",
                response.headers().get(HttpHeaderNames.LOCATION));
        response.release();
        assertNull(channel.readInbound());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void handoff_code_in_a_tls_tunnel_sets_a_host_prefixed_secure_cookie_and_returns_to_the_checked_path() {
        String code = sessions.mintHandoff("alice", HOST).join();
        EmbeddedChannel channel = stages(new Tunnel(HOST, Tunnel.HTTPS_PORT));
        String signIn = "/__codermon/auth?code=" + code + "&return=%2Fsome%2Fpath%3Fx%3D1";
        channel.writeInbound(request(HttpMethod.GET, signIn), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse response = channel.readOutbound();
        assertEquals(302, response.status().code());
        assertEquals("/some/path?x=1", response.headers().get(HttpHeaderNames.LOCATION));
        String cookie = response.headers().get(HttpHeaderNames.SET_COOKIE);
        assertTrue(cookie.startsWith("__Host-codermon_session="), cookie);
        assertTrue(cookie.endsWith("; Max-Age=43200; Path=/; HttpOnly; SameSite=Lax; Secure"), cookie);
        assertFalse(cookie.contains(code));
        assertEquals("no-referrer", response.headers().get("referrer-policy"));
        response.release();

        channel.writeInbound(request(HttpMethod.GET, "/__codermon/auth?code=" + code + "&return=%2F"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse replay = channel.readOutbound();
        assertEquals(403, replay.status().code());
        assertEquals("this sign-in code was already used; open the workspace address again\n", text(replay));
        replay.release();
        assertNull(channel.readInbound());
        channel.finishAndReleaseAll();
    }
}
