package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.ResponseDefences;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client connection's upstream side with {@link EmbeddedChannel}s on both ends: the forward
 * handler hands routed requests to its link, whose upstream connections are embedded channels on the
 * client's event loop carrying the real HTTP client codec, app retry and response handler.
 */
class UpstreamSideTest {

    private static final Principal ALICE = new Principal("alice", "t1", Instant.EPOCH, Instant.MAX);
    private static final Route MAIN = new Route("ws-1", "alice", "main.alice.codermon.internal", "/run/ws-1.sock");
    private static final Route OTHER = new Route("ws-2", "alice", "other.alice.codermon.internal", "/run/ws-2.sock");
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final ActivityRecorder activity = new ActivityRecorder(null, Clock.systemUTC(), executor,
            Duration.ofHours(1));
    /** Every upstream connection opened, in order. */
    private final List<EmbeddedChannel> upstreams = new ArrayList<>();
    private EmbeddedChannel client;

    private final UpstreamConnector connector = new UpstreamConnector(() -> {
        EmbeddedChannel upstream = new EmbeddedChannel(false, false);
        upstreams.add(upstream);
        return upstream;
    }, path -> new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), 1000,
            WriteBufferWaterMark.DEFAULT, 4, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        if (client != null) {
            client.finishAndReleaseAll();
        }
        upstreams.forEach(EmbeddedChannel::finishAndReleaseAll);
        executor.shutdownNow();
    }

    private EmbeddedChannel client(long idleNanos) {
        client = new EmbeddedChannel();
        ReadSuspension reads = new ReadSuspension(client);
        ForwardHandler forward = new ForwardHandler(connector, activity, reads, client);
        client.pipeline().addLast(HandlerNames.IDLE, new IdleTimeoutHandler(idleNanos, idleNanos, forward.upstream()));
        client.pipeline().addLast(HandlerNames.FORWARD, forward);
        return client;
    }

    private static Exchange get(Route route, String path) {
        return routed(HttpMethod.GET, route, path);
    }

    private static Exchange routed(HttpMethod method, Route route, String path) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "http://" + route.hostname() + path);
        request.headers().set(HttpHeaderNames.HOST, route.hostname());
        request.headers().set("Proxy-Connection", "keep-alive");
        request.headers().set("X-Forwarded-Host", "evil.example");
        return routed(request, route, path, ResponseDefences.IDE, -1);
    }

    /** Returns the request's exchange as routing leaves it: spoken for by Alice, sent to the route. */
    private static Exchange routed(HttpRequest request, Route route, String path, ResponseDefences defences,
            int appPort) {
        Exchange exchange = new Exchange(request).as(ALICE);
        exchange.forwarding = new Forwarding(route, path, true, false, defences, appPort);
        return exchange;
    }

    /** Sends a request without a body from the client side. */
    private void send(Exchange request) {
        client.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** Returns what the upstream received since last asked, as text. */
    private static String received(EmbeddedChannel upstream) {
        StringBuilder text = new StringBuilder();
        Object msg;
        while ((msg = upstream.readOutbound()) != null) {
            text.append(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
            ReferenceCountUtil.release(msg);
        }
        return text.toString();
    }

    private static void answer(EmbeddedChannel upstream, String response) {
        upstream.writeInbound(Unpooled.copiedBuffer(response, StandardCharsets.US_ASCII));
    }

    /** Reads a whole response the client was sent: its status, and its body as text after a space. */
    private String response() {
        client.runPendingTasks();
        HttpResponse head = assertInstanceOf(HttpResponse.class, client.readOutbound());
        StringBuilder body = new StringBuilder();
        Object msg = head;
        if (head instanceof HttpContent whole) {
            body.append(whole.content().toString(StandardCharsets.UTF_8));
            whole.release();
        }
        while (!(msg instanceof LastHttpContent)) {
            msg = client.readOutbound();
            assertInstanceOf(HttpContent.class, msg, "the response ends with its last content");
            body.append(((HttpContent) msg).content().toString(StandardCharsets.UTF_8));
            ReferenceCountUtil.release(msg);
        }
        return head.status().code() + " " + body;
    }

    @Test
    void a_routed_request_goes_upstream_in_origin_form_without_client_forwarding_headers() {
        client(0);
        send(get(MAIN, "/x?y=1"));
        assertEquals(1, upstreams.size());
        String sent = received(upstreams.get(0));
        assertTrue(sent.startsWith("GET /x?y=1 HTTP/1.1\r\n"), sent);
        assertFalse(sent.toLowerCase().contains("evil.example"), sent);
        assertFalse(sent.toLowerCase().contains("proxy-connection"), sent);
        assertTrue(sent.toLowerCase().contains("x-forwarded-host: main.alice.codermon.internal"), sent);
        answer(upstreams.get(0), OK);
        assertEquals("200 ok", response());
    }

    @Test
    void a_finished_upstream_connection_is_reused_from_the_pool_for_the_same_workspace_only() {
        client(0);
        send(get(MAIN, "/1"));
        answer(upstreams.get(0), OK);
        assertEquals("200 ok", response());
        // Another workspace: a new connection; the first one waits in the pool.
        send(get(OTHER, "/2"));
        assertEquals(2, upstreams.size());
        assertTrue(received(upstreams.get(1)).startsWith("GET /2 "));
        answer(upstreams.get(1), OK);
        assertEquals("200 ok", response());
        // Back to the first workspace: its pooled connection carries the request, none is opened.
        send(get(MAIN, "/3"));
        assertEquals(2, upstreams.size(), "the pooled connection is reused");
        String sent = received(upstreams.get(0));
        assertTrue(sent.contains("GET /3 "), sent);
        answer(upstreams.get(0), OK);
        assertEquals("200 ok", response());
    }

    @Test
    void an_upstream_connection_that_asked_to_close_is_not_pooled() {
        client(0);
        send(get(MAIN, "/1"));
        answer(upstreams.get(0), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        assertEquals("200 ok", response());
        send(get(OTHER, "/2"));
        answer(upstreams.get(1), OK);
        assertEquals("200 ok", response());
        assertFalse(upstreams.get(0).isOpen(), "closed instead of pooled");
        send(get(MAIN, "/3"));
        assertEquals(3, upstreams.size(), "a new connection, not the closed one");
        answer(upstreams.get(2), OK);
        assertEquals("200 ok", response());
    }

    @Test
    void a_get_whose_reused_connection_closes_unanswered_is_sent_again_on_a_new_one() {
        client(0);
        send(get(MAIN, "/1"));
        answer(upstreams.get(0), OK);
        assertEquals("200 ok", response());
        received(upstreams.get(0));
        send(get(MAIN, "/again"));
        assertTrue(received(upstreams.get(0)).startsWith("GET /again "));
        // The upstream's keep-alive timeout met the request.
        upstreams.get(0).close();
        client.runPendingTasks();
        assertEquals(2, upstreams.size(), "a new connection for the retry");
        String retried = received(upstreams.get(1));
        assertTrue(retried.startsWith("GET /again HTTP/1.1\r\n"), retried);
        answer(upstreams.get(1), OK);
        assertEquals("200 ok", response());
        assertTrue(client.isOpen());
    }

    @Test
    void a_post_whose_reused_connection_closes_unanswered_gets_502_and_no_retry() {
        client(0);
        send(get(MAIN, "/1"));
        answer(upstreams.get(0), OK);
        assertEquals("200 ok", response());
        Exchange post = routed(HttpMethod.POST, MAIN, "/form");
        post.request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 1);
        client.writeInbound(post, new io.netty.handler.codec.http.DefaultLastHttpContent(Unpooled.copiedBuffer("a",
                StandardCharsets.US_ASCII)));
        upstreams.get(0).close();
        client.runPendingTasks();
        assertEquals(1, upstreams.size(), "a request that may have been acted on is never sent twice");
        assertEquals("502 workspace is not answering\n", response());
        assertFalse(client.isOpen());
    }

    @Test
    void a_get_to_an_app_port_with_nothing_listening_yet_is_sent_again_until_the_app_answers() throws Exception {
        client(0);
        String appHost = "8501." + MAIN.hostname();
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http://" + appHost + "/page");
        request.headers().set(HttpHeaderNames.HOST, appHost);
        send(routed(request, MAIN, "/page", ResponseDefences.forApp(MAIN.hostname()), 8501));
        assertTrue(received(upstreams.get(0)).startsWith("GET /page HTTP/1.1\r\n"));
        // What code-server answers for an app port with nothing listening on it.
        answer(upstreams.get(0), "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 33\r\n\r\n"
                + "connect ECONNREFUSED 0.0.0.0:8501");
        client.runPendingTasks();
        assertNull(client.readOutbound(), "the refusal is held back, not relayed");
        Thread.sleep(150);
        client.runScheduledPendingTasks();
        String again = received(upstreams.get(0));
        assertTrue(again.startsWith("GET /page HTTP/1.1\r\n"), again);
        assertTrue(again.toLowerCase().contains("host: " + appHost), again);
        answer(upstreams.get(0), OK);
        assertEquals("200 ok", response());
        assertEquals(1, upstreams.size(), "retried on the same connection");
    }

    @Test
    void a_request_whose_workspace_does_not_answer_within_the_idle_timeout_gets_504() throws Exception {
        client(TimeUnit.MILLISECONDS.toNanos(400));
        send(get(MAIN, "/slow"));
        Thread.sleep(500);
        client.runScheduledPendingTasks();
        assertEquals("504 workspace did not answer in time\n", response());
        assertFalse(upstreams.get(0).isOpen(), "the upstream connection is given up");
        assertFalse(client.isOpen());
    }

    @Test
    void an_idle_connection_with_nothing_in_flight_is_closed_silently() throws Exception {
        client(TimeUnit.MILLISECONDS.toNanos(400));
        send(get(MAIN, "/1"));
        answer(upstreams.get(0), OK);
        assertEquals("200 ok", response());
        Thread.sleep(500);
        client.runScheduledPendingTasks();
        assertFalse(client.isOpen());
        assertNull(client.readOutbound(), "nothing is written to a connection closed for idleness");
    }
}
