package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * Follows each request/response exchange of a client connection, in order, right after the codec: writes its
 * access-log line and metrics, frames responses for HTTP/1.0 clients, and, once the proxy drains, says
 * {@code Connection: close} and closes when idle.
 *
 * <p>It keeps pipelined answers in request order: upstream responses arrive in order already (one upstream
 * exchange at a time, {@link ForwardHandler}); the proxy's own answers ({@link #answer}) wait here, reads paused,
 * until every earlier response was written whole, while the answering stage holds later requests
 * ({@link RequestStageHandler}).
 */
final class ExchangeTracker extends ChannelDuplexHandler {

    static final Object DRAIN = new Object();
    private static final AttributeKey<ExchangeTracker> KEY = AttributeKey.valueOf(ExchangeTracker.class, "tracker");

    private final ProxyMetrics metrics;
    private final AccessLog accessLog;
    private final RequestHeadGuard guard;
    private final ReadSuspension reads;
    private final ArrayDeque<Exchange> pending = new ArrayDeque<>();
    /** Answers of the proxy's own that wait for earlier responses. */
    private int heldAnswers;
    /** Whether a response that ends the connection (or starts a relay) has begun: nothing may follow it. */
    private boolean ending;
    private boolean writingInTurn;
    private ChannelHandlerContext ctx;
    private Exchange responding;
    private Exchange relay;
    private boolean tunnel;
    private boolean draining;

    ExchangeTracker(ProxyMetrics metrics, AccessLog accessLog, RequestHeadGuard guard, ReadSuspension reads) {
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.guard = guard;
        this.reads = reads;
    }

    /** Returns the channel's tracker, or null if it has none (a pipeline without the front, in unit tests). */
    static ExchangeTracker of(Channel channel) {
        ExchangeTracker tracker = channel.attr(KEY).get();
        return tracker == null || tracker.ctx.isRemoved() ? null : tracker;
    }

    /** Returns the newest request's exchange, or null. */
    Exchange newest() {
        return pending.peekLast();
    }

    /** Writes the answer in the request's turn ({@link Exchanges#answer}). */
    ChannelFuture answer(Exchange request, HttpResponse answer, boolean close) {
        ChannelPromise promise = ctx.newPromise();
        if (ending || !ctx.channel().isActive()) {
            ReferenceCountUtil.release(answer);
            return promise.setFailure(new ClosedChannelException());
        }
        Exchange exchange = request;
        if (exchange == null || exchange.responded || exchange.answer != null) {
            exchange = new Exchange(null);
            pending.add(exchange);
        }
        exchange.answer = answer;
        exchange.answerPromise = promise;
        exchange.closeAfter |= close;
        heldAnswers++;
        writeAnswersInTurn();
        if (heldAnswers > 0) {
            // Nothing more is read until the answer is out: the stage holding later requests stays small.
            reads.suspend(ReadSuspension.ANSWER_TURN);
        }
        return promise;
    }

    /** Writes every held answer whose turn has come: each earlier response is written whole. */
    private void writeAnswersInTurn() {
        if (writingInTurn) {
            return;
        }
        writingInTurn = true;
        try {
            Exchange next;
            while (responding == null && relay == null && !ending && (next = pending.peek()) != null
                    && next.answer != null) {
                HttpResponse answer = next.answer;
                next.answer = null;
                heldAnswers--;
                write(ctx, answer, next.answerPromise);
                ctx.flush();
            }
        } finally {
            writingInTurn = false;
        }
        if (heldAnswers == 0) {
            reads.resume(ReadSuspension.ANSWER_TURN);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().attr(KEY).set(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            // The request's one exchange goes on in its place, for the stages to fill in.
            Exchange exchange = new Exchange(request);
            pending.add(exchange);
            msg = exchange;
        }
        if (msg instanceof HttpContent content && !pending.isEmpty()) {
            pending.peekLast().received(content.content().readableBytes(), metrics);
        } else if (msg instanceof ByteBuf buf && relay != null) {
            relay.received(buf.readableBytes(), metrics);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            onResponseHead(response);
        }
        Exchange exchange = responding;
        if (msg instanceof HttpContent content && exchange != null) {
            exchange.sent(content.content().readableBytes(), metrics);
        } else if (msg instanceof ByteBuf buf && relay != null) {
            relay.sent(buf.readableBytes(), metrics);
        }
        if (msg instanceof LastHttpContent && exchange != null) {
            responding = null;
            metrics.response(exchange.status);
            if (exchange != relay) { // a WebSocket's line is written when it closes, with the relayed byte counts
                log(exchange);
            }
            guard.responseEnded();
            if (exchange.closeAfter || (draining && pending.isEmpty())) {
                ending = true;
                // Relayed responses are written with a void promise, which takes no listener.
                ctx.write(msg, promise.isVoid() ? ctx.newPromise() : promise).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.write(msg, promise);
            if (heldAnswers > 0) {
                writeAnswersInTurn();
            }
            return;
        }
        ctx.write(msg, promise);
    }

    private void onResponseHead(HttpResponse response) {
        int code = response.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            return;
        }
        Exchange exchange = pending.isEmpty() ? new Exchange(null) : pending.poll();
        exchange.responded = true;
        responding = exchange;
        if (exchange.dropAnswer()) {
            // The upstream answered a request whose body the proxy refused meanwhile: its response goes
            // out instead of the refusal, and the connection still ends after it.
            heldAnswers--;
            exchange.closeAfter = true;
        }
        exchange.responseStarted(response, metrics);
        if (code == 101) {
            relay = exchange;
            metrics.relays(false, 1);
            LiveConnections.markWebSocket(ctx.channel());
            return;
        }
        if (code == 200 && exchange.isConnect()) {
            tunnel = true;
            metrics.tunnels(1);
            LiveConnections.markTunnel(ctx.channel());
            if (exchange.sshTunnel) {
                // Like a WebSocket: raw bytes from now on, counted and logged when it closes; no HTTP framing.
                relay = exchange;
                metrics.relays(true, 1);
                return;
            }
        }
        // The connection ends with this response: no answer held for a later request may follow it.
        ending |= exchange.frame(response, draining);
    }

    private void log(Exchange exchange) {
        if (exchange != null && accessLog.enabled()) {
            accessLog.write(exchange.entry(ctx.channel().id().asShortText()), ctx.executor());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == DRAIN) {
            draining = true;
            if (pending.isEmpty() && responding == null && relay == null) {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (relay != null) {
            log(relay);
            metrics.relays(relay.sshTunnel, -1);
            relay = null;
        }
        if (tunnel) {
            metrics.tunnels(-1);
            tunnel = false;
        }
        log(responding);
        responding = null;
        Exchange exchange;
        while ((exchange = pending.poll()) != null) {
            // An answer whose turn never came goes unwritten, and the log says so (status -).
            exchange.dropAnswer();
            log(exchange);
        }
        heldAnswers = 0;
        ctx.fireChannelInactive();
    }
}
