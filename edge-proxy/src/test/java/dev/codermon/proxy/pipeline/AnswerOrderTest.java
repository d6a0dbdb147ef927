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
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.metrics.ProxyMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's own answers to pipelined requests keep request order: the exchange tracker writes one
 * only after every earlier response, the answering stage holds later requests meanwhile, and reads
 * pause. The "upstream" here is a handler at the end that records what was forwarded; the test writes
 * its responses from the pipeline's tail, as the upstream handler does.
 */
class AnswerOrderTest {

    private static final String ALICE = "main.alice.codermon.internal";

    private final TestTokens tokens = new TestTokens();
    private final ProxyAuthenticator authenticator = new ProxyAuthenticator(tokens.verifier());
    /** The last built pipeline's credentials (its tunnel once a CONNECT was accepted). */
    private ConnectionCredentials credentials;
    private final SqliteRouteStore store;
    private final List<Object> forwarded = new ArrayList<>();

    AnswerOrderTest(@TempDir Path dir) {
        store = SqliteRouteStore.open(dir.resolve("routes.db"));
    }

    @AfterEach
    void release() {
        forwarded.forEach(ReferenceCountUtil::release);
        store.close();
    }

    /** Builds the tracker and the authentication, CONNECT and session stages, then a recording end. */
    private EmbeddedChannel pipeline() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadSuspension reads = new ReadSuspension(channel);
        channel.pipeline().addLast(HandlerNames.EXCHANGE, new ExchangeTracker(new ProxyMetrics(), new AccessLog(),
                new RequestHeadGuard(Long.MAX_VALUE), reads));
        credentials = new ConnectionCredentials(authenticator);
        channel.pipeline().addLast(HandlerNames.AUTHENTICATE, new AuthenticateHandler(credentials,
                new ProxySessions(store, ForkJoinPool.commonPool(), Clock.systemUTC(), Duration.ofHours(1)), reads));
        channel.pipeline().addLast(HandlerNames.CONNECT,
                new ConnectHandler(new TargetPolicy("codermon.internal"), null, credentials, reads));
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                forwarded.add(msg);
            }
        });
        return channel;
    }

    private HttpRequest get(String path, boolean authenticated) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http://" + ALICE + path);
        request.headers().set(HttpHeaderNames.HOST, ALICE);
        if (authenticated) {
            request.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, "Bearer " + tokens.tokenFor("alice"));
        }
        return request;
    }

    private HttpRequest connect(String authority, boolean authenticated) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, authority);
        request.headers().set(HttpHeaderNames.HOST, authority);
        if (authenticated) {
            request.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, "Bearer " + tokens.tokenFor("alice"));
        }
        return request;
    }

    /** Writes an upstream's 200 with a body, as the upstream response handler writes it to the client. */
    private static void upstreamResponds(EmbeddedChannel channel, String body) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
        channel.write(head);
        channel.write(new DefaultLastHttpContent(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
        channel.flush();
    }

    /** Reads the outbound messages as "status" for heads and "body:..." for contents with bytes. */
    private static List<String> written(EmbeddedChannel channel) {
        List<String> out = new ArrayList<>();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            if (msg instanceof HttpResponse response) {
                out.add(String.valueOf(response.status().code()));
            }
            if (msg instanceof HttpContent content && content.content().isReadable()) {
                out.add("body:" + content.content().toString(StandardCharsets.UTF_8).strip());
            }
            ReferenceCountUtil.release(msg);
        }
        return out;
    }

    private List<String> forwardedRequests() {
        return forwarded.stream().filter(Exchange.class::isInstance)
                .map(m -> ((Exchange) m).request.uri()).toList();
    }

    @Test
    void a_407_for_a_later_request_waits_for_the_earlier_response_and_holds_the_requests_after_it() {
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(get("/first", true), LastHttpContent.EMPTY_LAST_CONTENT,
                get("/second", false), LastHttpContent.EMPTY_LAST_CONTENT,
                get("/third", true), LastHttpContent.EMPTY_LAST_CONTENT);

        assertEquals(List.of("http://" + ALICE + "/first"), forwardedRequests(),
                "the request after the refused one must wait until the refusal is out");
        assertEquals(List.of(), written(channel), "the 407 must not overtake the first response");
        assertFalse(channel.config().isAutoRead(), "reads pause while an answer waits for its turn");
        assertTrue(channel.isOpen());

        upstreamResponds(channel, "first");
        assertEquals(List.of("200", "body:first", "407", "body:proxy authentication required"), written(channel));
        channel.runPendingTasks();
        assertTrue(channel.config().isAutoRead());
        assertEquals(List.of("http://" + ALICE + "/first", "http://" + ALICE + "/third"), forwardedRequests());

        upstreamResponds(channel, "third");
        assertEquals(List.of("200", "body:third"), written(channel));
        assertTrue(channel.isOpen(), "a 407 keeps the connection");
        channel.finishAndReleaseAll();
    }

    @Test
    void a_closing_refusal_waits_for_the_earlier_response_then_closes_and_nothing_after_it_is_forwarded() {
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(get("/first", true), LastHttpContent.EMPTY_LAST_CONTENT,
                connect("example.com:80", true), LastHttpContent.EMPTY_LAST_CONTENT,
                get("/third", true), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of(), written(channel));
        assertTrue(channel.isOpen(), "the connection must stay for the first response");

        upstreamResponds(channel, "first");
        List<String> out = written(channel);
        assertEquals(List.of("200", "body:first", "403"), out.subList(0, 3));
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "the 403 closes the connection after it is written");
        assertEquals(List.of("http://" + ALICE + "/first"), forwardedRequests(),
                "nothing after the refused request may be forwarded");
        channel.finishAndReleaseAll();
    }

    @Test
    void an_answer_with_nothing_before_it_goes_out_at_once() {
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(get("/alone", false), LastHttpContent.EMPTY_LAST_CONTENT,
                get("/next", true), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("407", "body:proxy authentication required"), written(channel));
        assertTrue(channel.config().isAutoRead());
        assertEquals(List.of("http://" + ALICE + "/next"), forwardedRequests());
        channel.finishAndReleaseAll();
    }

    @Test
    void the_body_of_a_refused_request_is_dropped_while_its_answer_waits_and_the_next_body_is_kept() {
        EmbeddedChannel channel = pipeline();
        HttpRequest post = get("/refused", false);
        post.setMethod(HttpMethod.POST);
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 3);
        HttpRequest next = get("/next", true);
        next.setMethod(HttpMethod.POST);
        next.headers().set(HttpHeaderNames.CONTENT_LENGTH, 3);
        channel.writeInbound(get("/first", true), LastHttpContent.EMPTY_LAST_CONTENT,
                post, new DefaultHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.UTF_8)),
                LastHttpContent.EMPTY_LAST_CONTENT,
                next, new DefaultLastHttpContent(Unpooled.copiedBuffer("xyz", StandardCharsets.UTF_8)));
        upstreamResponds(channel, "first");
        assertEquals(List.of("200", "body:first", "407", "body:proxy authentication required"), written(channel));
        channel.runPendingTasks();
        assertEquals(List.of("http://" + ALICE + "/first", "http://" + ALICE + "/next"), forwardedRequests());
        HttpContent body = assertInstanceOf(HttpContent.class, forwarded.get(forwarded.size() - 1));
        assertEquals("xyz", body.content().toString(StandardCharsets.UTF_8));
        channel.finishAndReleaseAll();
    }

    @Test
    void the_200_of_a_pipelined_connect_waits_and_the_tunnel_requests_follow_it() {
        EmbeddedChannel channel = pipeline();
        HttpRequest inner = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/inner");
        inner.headers().set(HttpHeaderNames.HOST, ALICE);
        channel.writeInbound(get("/first", true), LastHttpContent.EMPTY_LAST_CONTENT,
                connect(ALICE + ":80", true), LastHttpContent.EMPTY_LAST_CONTENT);
        channel.writeInbound(inner, LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of(), written(channel));
        assertEquals(List.of("http://" + ALICE + "/first"), forwardedRequests());

        upstreamResponds(channel, "first");
        assertEquals(List.of("200", "body:first", "200"), written(channel));
        channel.runPendingTasks();
        Exchange tunnelled = (Exchange) forwarded.stream()
                .filter(m -> m instanceof Exchange a && a.request.uri().equals("/inner")).findFirst()
                .orElseThrow();
        assertEquals(ALICE, tunnelled.tunnelHost());
        assertEquals("alice", tunnelled.principal.user());
        channel.finishAndReleaseAll();
    }

    @Test
    void credential_less_connect_80_opens_a_tunnel_whose_requests_are_authenticated_one_by_one() {
        EmbeddedChannel channel = pipeline();
        channel.writeInbound(connect(ALICE + ":80", false), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("200"), written(channel));
        assertEquals(new Tunnel(ALICE, 80),
                credentials.tunnel());

        HttpRequest withCredentials = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/with");
        withCredentials.headers().set(HttpHeaderNames.HOST, ALICE)
                .set(HttpHeaderNames.PROXY_AUTHORIZATION, "Bearer " + tokens.tokenFor("alice"));
        channel.writeInbound(withCredentials, LastHttpContent.EMPTY_LAST_CONTENT);
        Exchange passed = (Exchange) forwarded.get(0);
        assertEquals("alice", passed.principal.user());
        assertNull(passed.request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION));

        HttpRequest badCredentials = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad");
        badCredentials.headers().set(HttpHeaderNames.HOST, ALICE)
                .set(HttpHeaderNames.PROXY_AUTHORIZATION, "Bearer not-a-token");
        channel.writeInbound(badCredentials, LastHttpContent.EMPTY_LAST_CONTENT);
        // The forwarded request has no response in this test: the refusal waits for it.
        assertEquals(List.of(), written(channel));
        upstreamResponds(channel, "with");
        assertEquals(List.of("200", "body:with", "407", "body:malformed token"), written(channel));
        channel.runPendingTasks();

        HttpRequest neither = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/neither");
        neither.headers().set(HttpHeaderNames.HOST, ALICE);
        channel.writeInbound(neither, LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse refused = channel.readOutbound();
        assertEquals(403, refused.status().code());
        assertEquals("sign in through a Codermon link\n", refused.content().toString(StandardCharsets.UTF_8));
        refused.release();
        assertEquals(1, forwardedRequests().size(), "nothing without credentials may be forwarded");
        channel.finishAndReleaseAll();
    }
}
