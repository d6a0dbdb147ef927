package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.metrics.ProxyMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exchange tracker tells the live connections when a connection becomes a WebSocket or a tunnel. */
class OpenKindsTest {

    private static final Principal ALICE = new Principal("alice", "t1", Instant.EPOCH, Instant.MAX);
    private static final Route MAIN = new Route("ws-1", "alice", "main.alice.codermon.internal", "/run/ws-1.sock");

    private final LiveConnections connections = new LiveConnections();

    private static EmbeddedChannel tracked() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(HandlerNames.EXCHANGE, new ExchangeTracker(new ProxyMetrics(), new AccessLog(),
                new RequestHeadGuard(Long.MAX_VALUE), new ReadSuspension(channel)));
        return channel;
    }

    @Test
    void a_101_makes_the_connection_a_web_socket_and_an_ordinary_response_does_not() {
        EmbeddedChannel channel = tracked();
        connections.bind(channel, ALICE, MAIN);
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a"));
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(Map.of("ws-1", new OpenCounts(1, 0, 0)), connections.openByWorkspace());

        DefaultHttpRequest upgrade = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/stable");
        upgrade.headers().set(HttpHeaderNames.UPGRADE, "websocket");
        channel.writeInbound(upgrade);
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
        assertEquals(Map.of("ws-1", new OpenCounts(1, 1, 0)), connections.openByWorkspace());
        channel.finishAndReleaseAll();
        assertEquals(Map.of(), connections.openByWorkspace());
    }

    @Test
    void an_accepted_connect_makes_the_connection_a_tunnel() {
        EmbeddedChannel channel = tracked();
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT,
                "main.alice.codermon.internal:443"));
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        // The tunnel's first inner request binds it to its workspace.
        connections.bind(channel, ALICE, MAIN);
        assertEquals(Map.of("ws-1", new OpenCounts(1, 0, 1)), connections.openByWorkspace());
        channel.finishAndReleaseAll();
    }
}
