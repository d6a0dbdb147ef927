package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.HopByHopHeaders;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.upstream.ActivityRecorder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams an upstream's responses back to the client, in request order, and hands the connection over
 * to a raw relay once the upstream accepts a WebSocket upgrade. Runs on the client's event loop.
 */
final class UpstreamResponseHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamResponseHandler.class);

    private final Channel client;
    private final ForwardHandler forward;
    private final ActivityRecorder activity;
    private final ArrayDeque<Exchange> exchanges = new ArrayDeque<>();
    private boolean responseStarted;
    private boolean informational;
    private boolean switching;

    /** What the response handler must remember about one forwarded request. */
    private record Exchange(boolean keepAlive, boolean webSocket, boolean head, String workspaceId) {
    }

    UpstreamResponseHandler(Channel client, ForwardHandler forward, ActivityRecorder activity) {
        this.client = client;
        this.forward = forward;
        this.activity = activity;
    }

    void expect(boolean keepAlive, boolean webSocket, boolean head, String workspaceId) {
        exchanges.add(new Exchange(keepAlive, webSocket, head, workspaceId));
    }

    int inFlight() {
        return exchanges.size();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange exchange = exchanges.peek();
        if (exchange == null) {
            // Bytes after a finished exchange (or after the upgrade): nobody asked for them.
            ReferenceCountUtil.release(msg);
            if (!(msg instanceof LastHttpContent)) {
                ctx.close();
            }
            return;
        }
        if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
            // Never relay what could not be parsed: the client would frame it differently, or not at all.
            log.debug("{} upstream sent a malformed response: {}", client, object.decoderResult().cause().toString());
            ReferenceCountUtil.release(msg);
            abandon(ctx, Refusal.UPSTREAM_MALFORMED);
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

    private void onResponseHead(ChannelHandlerContext ctx, Exchange exchange, HttpResponse response) {
        int code = response.status().code();
        informational = code >= 100 && code < 200 && code != 101;
        switching = code == 101 && exchange.webSocket() && HopByHopHeaders.isWebSocketUpgrade(response.headers());
        if (code == 101 && !switching) {
            log.debug("{} upstream switched protocols unasked", client);
            ReferenceCountUtil.release(response);
            ctx.close();
            return;
        }
        if (!switching) {
            HopByHopHeaders.strip(response.headers(), false);
            if (!exchange.keepAlive()) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            if (!informational && needsFraming(response, exchange)) {
                // A close-delimited body would end the client connection too: re-frame it as chunked.
                HttpUtil.setTransferEncodingChunked(response, true);
            }
        }
        responseStarted = !informational;
        write(ctx, response);
    }

    private static boolean needsFraming(HttpResponse response, Exchange exchange) {
        int code = response.status().code();
        return !exchange.head() && code != 204 && code != 304
                && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response);
    }

    private void onResponseEnd(ChannelHandlerContext ctx, Exchange exchange) {
        if (informational) {
            informational = false;
            return;
        }
        exchanges.poll();
        responseStarted = false;
        if (switching) {
            client.flush();
            log.debug("{} switching to WebSocket relay", client);
            WebSocketSwitch.apply(client, ctx.channel(), activity, exchange.workspaceId());
            return;
        }
        if (!exchange.keepAlive()) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        if (exchanges.isEmpty()) {
            forward.responsesDone();
        }
    }

    private void write(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpContent) && !(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        client.write(msg);
        if (!client.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        client.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        forward.upstreamWritabilityChanged(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    /** Returns whether a request was forwarded whose response has not started yet. */
    boolean awaitingResponseHead() {
        return !exchanges.isEmpty() && !responseStarted && !informational;
    }

    /**
     * Gives up on the upstream: the client gets the refusal if no response to it has started, else its
     * connection is cut (a partly relayed response must never look complete); both connections close.
     */
    void abandon(ChannelHandlerContext ctx, Refusal refusal) {
        boolean started = responseStarted;
        exchanges.clear();
        responseStarted = false;
        if (client.isActive()) {
            if (started) {
                client.close();
            } else {
                client.writeAndFlush(ErrorResponses.create(client.alloc(), refusal, false))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!exchanges.isEmpty() && client.isActive()) {
            if (responseStarted) {
                client.close();
            } else {
                client.writeAndFlush(ErrorResponses.create(client.alloc(), Refusal.UPSTREAM_DOWN, false))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }
        exchanges.clear();
        forward.backendClosed(ctx.channel());
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} upstream connection failed: {}", client, cause.toString());
        ctx.close();
    }
}
