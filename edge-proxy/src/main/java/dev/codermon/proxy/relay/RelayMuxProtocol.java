package dev.codermon.proxy.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The multiplexed relay protocol: HTTP/2 (negotiated by ALPN on the relay's mutual TLS) between a proxy and
 * another node's relay, one stream per relayed HTTP connection to a workspace. A stream opens with
 * {@code CONNECT} naming the workspace host in {@code :authority} and the socket in {@value #SOCKET}; the
 * relay answers {@code 200} and then carries the connection's bytes both ways in DATA frames, or answers
 * its refusal's status with the reason in {@value #REASON} and ends the stream, having touched no socket.
 *
 * <p>Many connections share one TCP connection and one TLS session: a proxy's event loop writes the
 * requests of all its clients to a node in one flush, and the relay answers them likewise, instead of one
 * TLS record and one TCP segment per request on a connection of its own (docs/relay.md).
 */
final class RelayMuxProtocol {

    /** The request header naming the workspace's socket: only {@code http} rides the multiplexed protocol. */
    static final String SOCKET = "codermon-socket";
    static final String HTTP = "http";
    /** The response header of a refusal: a short reason, printable ASCII. */
    static final String REASON = "codermon-reason";
    /** Each stream's flow-control window: how much a relayed connection may have in flight each way. */
    static final int STREAM_WINDOW = 1024 * 1024;
    /**
     * The connection's flow-control window: large, so that a stalled stream (a slow client) never holds up
     * the others; what waits unread stays bounded by each stream's own window.
     */
    static final int CONNECTION_WINDOW = 1 << 30;
    /** How many relayed connections one proxy event loop may have open to a node at once. */
    static final long MAX_STREAMS = 10_000;
    /** How many flushes may be folded into one while nothing is being read (then one flush per event-loop turn). */
    private static final int FLUSHES_FOLDED = 256;

    private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

    private RelayMuxProtocol() {
    }

    /** The settings a side announces: the stream window, the stream limit, and from a proxy no push. */
    static Http2Settings settings(boolean server) {
        Http2Settings settings = new Http2Settings().initialWindowSize(STREAM_WINDOW).maxConcurrentStreams(MAX_STREAMS);
        // ENABLE_PUSH is the client's to send.
        return server ? settings : settings.pushEnabled(false);
    }

    /** A proxy's codec: frames to and from the streams' channels ({@link RelayMux}). */
    static Http2FrameCodec clientCodec() {
        return Http2FrameCodecBuilder.forClient().initialSettings(settings(false)).validateHeaders(true).build();
    }

    /**
     * Folds the flushes of the streams written in one event-loop turn into one: a write to the socket (one
     * TLS record, one TCP segment) for several relayed requests or responses.
     */
    static ChannelHandler flushes() {
        return new FlushConsolidationHandler(FLUSHES_FOLDED, true);
    }

    /**
     * Drops a flush that follows no write: the HTTP/2 codec flushes after every read (to send what the
     * read may have produced, such as a window update, which is rare), and each such flush would otherwise
     * reach TLS and the socket with nothing to send. Goes between {@link #flushes} and the codec.
     */
    static ChannelHandler skipEmptyFlushes() {
        return new ChannelOutboundHandlerAdapter() {
            private boolean written;

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                written = true;
                ctx.write(msg, promise);
            }

            @Override
            public void flush(ChannelHandlerContext ctx) {
                if (written) {
                    written = false;
                    ctx.flush();
                }
            }
        };
    }

    /**
     * Opens the connection's flow-control window from HTTP/2's default to {@link #CONNECTION_WINDOW}; both
     * sides do so once the connection is up.
     */
    static void openConnectionWindow(Http2ConnectionHandler codec, Channel connection) {
        Http2Connection state = codec.connection();
        try {
            state.local().flowController().incrementWindowSize(state.connectionStream(),
                    CONNECTION_WINDOW - state.local().flowController().windowSize(state.connectionStream()));
        } catch (Http2Exception e) {
            throw new IllegalStateException("cannot open the relay connection's flow-control window", e);
        }
        connection.flush();
    }

    /** The headers that open a stream to the workspace's HTTP socket. */
    static Http2Headers open(String hostname) {
        return new DefaultHttp2Headers().method(HttpMethod.CONNECT.asciiName()).authority(hostname).add(SOCKET, HTTP);
    }

    /**
     * Returns the workspace host a stream's opening headers name.
     *
     * @throws IllegalArgumentException with a short reason for a {@code 400} answer
     */
    static String hostOf(Http2Headers headers) {
        if (headers.method() == null || !HttpMethod.CONNECT.asciiName().contentEquals(headers.method())) {
            throw new IllegalArgumentException("a relayed stream opens with CONNECT");
        }
        CharSequence authority = headers.authority();
        if (authority == null || !HOST.matcher(authority).matches()) {
            throw new IllegalArgumentException("malformed workspace host");
        }
        CharSequence socket = headers.get(SOCKET);
        if (socket == null || !HTTP.contentEquals(socket.toString().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("socket kind must be http on a multiplexed relay");
        }
        return authority.toString();
    }

    /** The answer to a stream: {@code 200} goes on; any other status ends the stream with its reason. */
    static Http2Headers answer(RelayDecision decision) {
        Http2Headers headers = new DefaultHttp2Headers().status(Integer.toString(decision.status()));
        if (!decision.allowed()) {
            headers.add(REASON, printable(decision.reason()));
        }
        return headers;
    }

    /** Keeps a peer's text to one short line of printable ASCII. */
    static String printable(CharSequence text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 200));
        for (int i = 0; i < text.length() && out.length() < 200; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
