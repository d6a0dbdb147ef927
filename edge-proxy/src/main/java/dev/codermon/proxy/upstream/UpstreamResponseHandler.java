package dev.codermon.proxy.upstream;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.HopByHopHeaders;
import dev.codermon.proxy.http.Refusal;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams an upstream's responses back to the client, in request order, and has the connection switched
 * to a raw relay once the upstream accepts a WebSocket upgrade. Runs on the client's event loop. It stays
 * with its upstream connection for life: while that waits in the {@link UpstreamPool} it has no client,
 * closes it on any byte the upstream sends unasked, and takes it out of the pool when the upstream hangs up.
 */
final class UpstreamResponseHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamResponseHandler.class);

    private final UpstreamPool pool;
    final UpstreamPool.Key key;
    private final ArrayDeque<ForwardedRequest> exchanges = new ArrayDeque<>();
    private Channel client;
    private UpstreamLink link;
    private ChannelHandlerContext ctx;
    private boolean responseStarted;
    private boolean informational;
    private boolean switching;
    private boolean writingRequest;
    private boolean reusable = true;
    /** Exchanges this connection has carried to their end: more than none means it is a reused one. */
    private int completed;

    UpstreamResponseHandler(UpstreamPool pool, UpstreamPool.Key key) {
        this.pool = pool;
        this.key = key;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Gives the upstream connection to a client connection, until {@link #release()} or a close. */
    void attach(Channel client, UpstreamLink link) {
        this.client = client;
        this.link = link;
    }

    /**
     * Hands the idle connection back to the pool if it may carry another exchange (every request sent and
     * answered whole, both kept alive, none upgraded); returns whether the pool took it, else the caller closes it.
     */
    boolean release() {
        client = null;
        link = null;
        if (ctx == null || !reusable || writingRequest || switching || informational || responseStarted
                || !exchanges.isEmpty()) {
            return false;
        }
        ctx.channel().config().setAutoRead(true);
        return pool.release(key, ctx.channel());
    }

    /** Records a request about to be written upstream. */
    void expect(ForwardedRequest forwarded) {
        exchanges.add(forwarded);
        writingRequest = true;
        reusable &= forwarded.letsUpstreamKeepAlive();
    }

    /** Records that the current request's last content was written upstream. */
    void requestWritten() {
        writingRequest = false;
    }

    int inFlight() {
        return exchanges.size();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ForwardedRequest exchange = exchanges.peek();
        if (exchange == null || client == null) {
            // Bytes after a finished exchange, after the upgrade or while pooled: nobody asked for them.
            ReferenceCountUtil.release(msg);
            if (client == null || !(msg instanceof LastHttpContent)) {
                ctx.close();
            }
            return;
        }
        if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
            // Never relay what could not be parsed: the client would frame it differently, or not at all.
            log.debug("{} upstream sent a malformed response: {}", client, object.decoderResult().cause().toString());
            ReferenceCountUtil.release(msg);
            abandon(Refusal.UPSTREAM_MALFORMED);
            return;
        }
        if (msg instanceof HttpResponse response) {
            onResponseHead(ctx, exchange, response);
        } else {
            write(ctx, msg);
        }
        if (msg instanceof LastHttpContent) {
            onResponseEnd(ctx, exchange);
        }
    }

    private void onResponseHead(ChannelHandlerContext ctx, ForwardedRequest exchange, HttpResponse response) {
        int code = response.status().code();
        informational = code >= 100 && code < 200 && code != 101;
        switching = code == 101 && exchange.webSocket() && HopByHopHeaders.isWebSocketUpgrade(response.headers());
        if (code == 101 && !switching) {
            log.debug("{} upstream switched protocols unasked", client);
            ReferenceCountUtil.release(response);
            ctx.close();
            return;
        }
        boolean unframed = !informational && exchange.needsFraming(response);
        if (!informational && (unframed || !HttpUtil.isKeepAlive(response))) {
            // The upstream closes after this one (or ends the body by closing): not for the pool.
            reusable = false;
        }
        if (!switching) {
            exchange.prepareResponse(response, informational, unframed);
        }
        responseStarted = !informational;
        write(ctx, response);
    }

    private void onResponseEnd(ChannelHandlerContext ctx, ForwardedRequest exchange) {
        if (informational) {
            informational = false;
            return;
        }
        exchanges.poll();
        responseStarted = false;
        completed++;
        if (switching) {
            link.listener().upgraded(ctx.channel(), exchange.route().workspaceId());
            return;
        }
        if (!exchange.keepAlive()) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        if (exchanges.isEmpty()) {
            link.responsesDone();
        }
    }

    private void write(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpContent) && !(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        // No promise per message: a failed write reaches the client's exceptionCaught, which closes it.
        client.write(msg, client.voidPromise());
        if (!client.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (client != null) {
            client.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (link != null) {
            link.listener().upstreamFull(!ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Returns whether a request was forwarded whose response has not started yet. */
    boolean awaitingResponseHead() {
        return !exchanges.isEmpty() && !responseStarted && !informational;
    }

    /** Gives up on the upstream and closes both connections, answering the client if it can ({@link #failClient}). */
    void abandon(Refusal refusal) {
        failClient(refusal);
        exchanges.clear();
        responseStarted = false;
        ctx.close();
    }

    /**
     * Answers the client with the refusal, or cuts its connection if a response to it already began (a
     * partly relayed response must never look complete).
     */
    private void failClient(Refusal refusal) {
        if (!client.isActive()) {
            return;
        }
        if (responseStarted) {
            client.close();
        } else {
            ErrorResponses.sendAndClose(client, refusal);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ForwardedRequest pending = exchanges.peek();
        if (client == null) {
            // Closed while idle in the pool (or after it was given up): nobody is waiting on it.
            pool.remove(key, ctx.channel());
            exchanges.clear();
        } else if (pending != null && pending.retryable() && exchanges.size() == 1 && completed > 0
                && !responseStarted && !informational && !writingRequest && client.isActive()) {
            // A reused connection the upstream closed as the request went out (its idle timeout met it): not
            // acted on, so it goes once more on a new one, as RFC 9110 9.2.2 allows for idempotent requests.
            log.debug("{} reused upstream connection closed before answering; retrying on a new one", client);
            exchanges.clear();
            link.retryOnNewConnection(ctx.channel(), pending);
        } else {
            if (pending != null) {
                failClient(Refusal.UPSTREAM_DOWN);
            }
            exchanges.clear();
            link.backendClosed(ctx.channel());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} upstream connection failed: {}", client == null ? ctx.channel() : client, cause.toString());
        ctx.close();
    }
}
