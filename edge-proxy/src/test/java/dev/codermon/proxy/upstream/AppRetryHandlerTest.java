package dev.codermon.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.AppHost;
import dev.codermon.proxy.http.ResponseDefences;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AppRetryHandlerTest {

    private static final String APP = "8501.main.alice.codermon.internal";

    private static final Route ROUTE = new Route("ws-1", "alice", "main.alice.codermon.internal", "/run/ws-1.sock");

    /** Returns a request as the link writes it upstream, naming its app port as routing found it. */
    private static ForwardedRequest request(HttpMethod method, String host) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/page?x=1");
        r.headers().set(HttpHeaderNames.HOST, host);
        AppHost app = AppHost.parse(host);
        return new ForwardedRequest(r, ROUTE, true, false, ResponseDefences.IDE, app == null ? -1 : app.port());
    }

    /** What code-server answers when nothing listens on the app port. */
    private static void refuse(EmbeddedChannel ch) {
        ch.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR));
        ch.writeInbound(new DefaultLastHttpContent(
                Unpooled.copiedBuffer("connect ECONNREFUSED 0.0.0.0:8501", StandardCharsets.UTF_8)));
    }

    @Test
    void a_get_to_a_port_with_nothing_listening_is_sent_again_and_the_app_answer_passes() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new AppRetryHandler());
        ch.writeOutbound(request(HttpMethod.GET, APP), LastHttpContent.EMPTY_LAST_CONTENT);
        ReferenceCountUtil.release(ch.readOutbound());
        ReferenceCountUtil.release(ch.readOutbound());
        refuse(ch);
        assertNull(ch.readInbound(), "the refusal is held back, not relayed");
        Thread.sleep(150);
        ch.runScheduledPendingTasks();
        HttpRequest again = ch.readOutbound();
        assertEquals("/page?x=1", again.uri());
        assertEquals(APP, again.headers().get(HttpHeaderNames.HOST));
        ReferenceCountUtil.release(ch.readOutbound());
        ch.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK),
                LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(200, ((HttpResponse) ch.readInbound()).status().code());
        ReferenceCountUtil.release(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void a_post_gets_the_not_listening_page_at_once() {
        EmbeddedChannel ch = new EmbeddedChannel(new AppRetryHandler());
        ForwardedRequest post = request(HttpMethod.POST, APP);
        post.request().headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 1);
        ch.writeOutbound(post);
        ReferenceCountUtil.release(ch.readOutbound());
        refuse(ch);
        FullHttpResponse page = ch.readInbound();
        assertEquals(502, page.status().code());
        assertTrue(page.content().toString(StandardCharsets.UTF_8)
                .contains("nothing is listening on port 8501 in your workspace yet; it may still be starting"));
        page.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void an_app_of_its_own_500_and_the_workspace_host_pass_untouched() {
        EmbeddedChannel ch = new EmbeddedChannel(new AppRetryHandler());
        ch.writeOutbound(request(HttpMethod.GET, APP));
        ReferenceCountUtil.release(ch.readOutbound());
        ch.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR));
        ch.writeInbound(new DefaultLastHttpContent(Unpooled.copiedBuffer("Traceback: boom", StandardCharsets.UTF_8)));
        assertEquals(500, ((HttpResponse) ch.readInbound()).status().code());
        HttpContent body = ch.readInbound();
        assertEquals("Traceback: boom", body.content().toString(StandardCharsets.UTF_8));
        body.release();

        ch.writeOutbound(request(HttpMethod.GET, "main.alice.codermon.internal"));
        ReferenceCountUtil.release(ch.readOutbound());
        HttpResponse error = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR);
        ch.writeInbound(error);
        assertEquals(error, ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void a_get_still_refused_after_the_window_gets_the_page() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new AppRetryHandler());
        ch.writeOutbound(request(HttpMethod.HEAD, APP), LastHttpContent.EMPTY_LAST_CONTENT);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AppRetryHandler.RETRY_WINDOW_MILLIS + 2000);
        Object answer = null;
        while (answer == null && System.nanoTime() < deadline) {
            Object out;
            while ((out = ch.readOutbound()) != null) {
                ReferenceCountUtil.release(out);
            }
            // code-server's answer to HEAD: 500 with date and connection headers only, no body.
            HttpResponse refused = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR);
            refused.headers().set(HttpHeaderNames.CONNECTION, "keep-alive");
            ch.writeInbound(refused, LastHttpContent.EMPTY_LAST_CONTENT);
            answer = ch.readInbound();
            while (answer == null && ch.runScheduledPendingTasks() >= 0 && ch.readOutbound() == null
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
                answer = ch.readInbound();
            }
        }
        FullHttpResponse page = assertInstanceOf(FullHttpResponse.class, answer);
        assertEquals(502, page.status().code());
        page.release();
        ch.finishAndReleaseAll();
    }
}
