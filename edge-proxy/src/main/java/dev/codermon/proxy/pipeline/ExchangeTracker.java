package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.RefusalResponse;
import dev.codermon.proxy.http.RequestTarget;
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
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * Follows each request/response exchange of a client connection, in order: writes its access-log line
 * and metrics, frames responses for HTTP/1.0 clients (close-delimited instead of chunked, explicit
 * keep-alive), and, once the proxy drains, says {@code Connection: close} and closes when idle. Sits
 * right after the codec, so it sees decoded requests and every response, the proxy's own included.
 *
 * <p>It also keeps pipelined answers in request order. Responses relayed from upstreams arrive in
 * order already (one upstream exchange at a time, see {@link ForwardHandler}); the proxy's own answers
 * ({@link #answer}) name their request and wait here, with reads paused, until every earlier request's
 * response has been written whole. The stage that answered holds the requests after it meanwhile
 * ({@link RequestStageHandler}), so that no later response can overtake a waiting answer.
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

    /** What is known about one request while it is in flight. */
    private static final class Exchange {
        final HttpRequest request;
        final String method;
        final String target;
        final boolean http10;
        /** Whether an HTTP/1.0 client asked to keep the connection (read before forwarding strips it). */
        final boolean keepAlive10;
        final long startNanos = System.nanoTime();
        String host;
        String user;
        String workspace;
        String refusal;
        /** The request's absolute-form target, once a stage that parsed it said so; else null. */
        RequestTarget parsedTarget;
        int status;
        long bytesIn;
        long bytesOut;
        boolean closeAfter;
        /** The proxy's own answer, while it waits for its turn; else null. */
        HttpResponse answer;
        ChannelPromise answerPromise;

        Exchange(HttpRequest request) {
            this.request = request;
            this.method = request == null ? null : request.method().name();
            this.target = request == null ? null : request.uri();
            this.http10 = request != null && request.protocolVersion().equals(HttpVersion.HTTP_1_0);
            this.keepAlive10 = http10 && HttpUtil.isKeepAlive(request);
            // The log names an absolute-form request's host from its target: no header lookup then.
            this.host = target == null || !target.startsWith("/") ? null : request.headers().get(HttpHeaderNames.HOST);
        }
    }

    ExchangeTracker(ProxyMetrics metrics, AccessLog accessLog, RequestHeadGuard guard, ReadSuspension reads) {
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.guard = guard;
        this.reads = reads;
    }

    /**
     * Writes the proxy's own answer to a request in that request's turn: at once if every earlier
     * request's response has been written whole, else as soon as they have been; closes the connection
     * after it if asked. A null or unknown request stands for one after every request seen so far (a
     * refusal of bytes that never became a request). Without a tracker (a pipeline without the front,
     * in unit tests) the answer is written at once.
     *
     * @return the answer's write future: done once the answer was written, or failed with the connection
     */
    static ChannelFuture answer(Channel channel, HttpRequest request, HttpResponse answer, boolean close) {
        ExchangeTracker tracker = channel.attr(KEY).get();
        if (tracker == null || tracker.ctx.isRemoved()) {
            ChannelFuture written = channel.writeAndFlush(answer);
            if (close) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
            return written;
        }
        return tracker.answer(request, answer, close);
    }

    /**
     * Answers, and then closes, the newest request, whose body the proxy refused after its head went on:
     * in its turn if its response has not begun; if it has, the connection is cut instead (a partly
     * relayed response must never look complete, nor be followed by another answer).
     */
    static void answerBodyRefusal(Channel channel, HttpResponse answer) {
        ExchangeTracker tracker = channel.attr(KEY).get();
        if (tracker == null || tracker.ctx.isRemoved()) {
            answer(channel, null, answer, true);
            return;
        }
        Exchange newest = tracker.pending.peekLast();
        if (newest == null || newest.answer != null) {
            ReferenceCountUtil.release(answer);
            channel.close();
            return;
        }
        tracker.answer(newest.request, answer, true);
    }

    private ChannelFuture answer(HttpRequest request, HttpResponse answer, boolean close) {
        ChannelPromise promise = ctx.newPromise();
        if (ending || !ctx.channel().isActive()) {
            ReferenceCountUtil.release(answer);
            return promise.setFailure(new ClosedChannelException());
        }
        Exchange exchange = request == null ? null : find(request);
        if (exchange == null || exchange.answer != null) {
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

    private Exchange find(HttpRequest request) {
        for (Exchange exchange : pending) {
            if (exchange.request == request) {
                return exchange;
            }
        }
        return null;
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

    /** Records who sent a request and, once routed, which workspace it goes to. */
    static void annotate(Channel channel, HttpRequest request, String user, String workspace) {
        annotate(channel, request, user, workspace, null);
    }

    /**
     * Records who sent a request, which workspace it goes to and, if the caller parsed it already, its
     * absolute-form target (which the log then names instead of splitting the raw one), or null.
     */
    static void annotate(Channel channel, HttpRequest request, String user, String workspace,
            RequestTarget parsedTarget) {
        ExchangeTracker tracker = channel.attr(KEY).get();
        if (tracker == null) {
            return;
        }
        Exchange exchange = tracker.find(request);
        if (exchange != null) {
            exchange.user = user;
            if (workspace != null) {
                exchange.workspace = workspace;
            }
            if (parsedTarget != null) {
                exchange.parsedTarget = parsedTarget;
            }
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
            pending.add(new Exchange(request));
        }
        if (msg instanceof HttpContent content && !pending.isEmpty()) {
            long bytes = content.content().readableBytes();
            if (bytes > 0) {
                pending.peekLast().bytesIn += bytes;
                metrics.received(bytes);
            }
        } else if (msg instanceof ByteBuf buf && relay != null) {
            relay.bytesIn += buf.readableBytes();
            metrics.received(buf.readableBytes());
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
            int bytes = content.content().readableBytes();
            if (bytes > 0) {
                exchange.bytesOut += bytes;
                metrics.sent(bytes);
            }
        } else if (msg instanceof ByteBuf buf && relay != null) {
            relay.bytesOut += buf.readableBytes();
            metrics.sent(buf.readableBytes());
        }
        if (msg instanceof LastHttpContent && exchange != null) {
            responding = null;
            finish(exchange);
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
        responding = exchange;
        if (exchange.answer != null) {
            // The upstream answered a request whose body the proxy refused meanwhile: its response goes
            // out instead of the refusal, and the connection still ends after it.
            ReferenceCountUtil.release(exchange.answer);
            exchange.answer = null;
            heldAnswers--;
            exchange.answerPromise.tryFailure(new ClosedChannelException());
            exchange.closeAfter = true;
        }
        exchange.status = code;
        if (response instanceof RefusalResponse refusal) {
            exchange.refusal = refusal.refusal().reason();
            metrics.refused(refusal.refusal());
        } else {
            metrics.upstreamLatency(System.nanoTime() - exchange.startNanos);
        }
        if (code == 101) {
            relay = exchange;
            metrics.webSockets(1);
            return;
        }
        if (code == 200 && exchange.method != null && HttpMethod.CONNECT.name().equals(exchange.method)) {
            tunnel = true;
            metrics.tunnels(1);
        }
        if (exchange.http10) {
            frameForHttp10(response, exchange);
        }
        if (draining) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            exchange.closeAfter = true;
        }
        if (exchange.closeAfter
                || response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            // The connection ends with this response: no answer held for a later request may follow it.
            ending = true;
        }
    }

    /** HTTP/1.0 knows no chunked coding: such a body is sent close-delimited; keep-alive must be explicit. */
    private static void frameForHttp10(HttpResponse response, Exchange exchange) {
        if (HttpUtil.isTransferEncodingChunked(response)) {
            HttpUtil.setTransferEncodingChunked(response, false);
            response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            exchange.closeAfter = true;
        }
        boolean closing = exchange.closeAfter || !exchange.keepAlive10
                || response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        response.headers().set(HttpHeaderNames.CONNECTION,
                closing ? HttpHeaderValues.CLOSE : HttpHeaderValues.KEEP_ALIVE);
        exchange.closeAfter = closing;
    }

    private void finish(Exchange exchange) {
        metrics.response(exchange.status);
        if (exchange != relay) {
            // A WebSocket's line is written when it closes, with the relayed byte counts.
            log(exchange);
        }
    }

    private void log(Exchange exchange) {
        if (!accessLog.enabled()) {
            return;
        }
        String host;
        String path;
        if (exchange.parsedTarget != null) {
            host = exchange.parsedTarget.authority();
            path = exchange.parsedTarget.originForm();
        } else {
            host = exchange.host;
            path = exchange.target;
            int authority = path == null ? -1 : RequestTargetParts.authorityStart(path);
            if (authority >= 0) {
                int pathStart = RequestTargetParts.pathStart(path, authority);
                host = path.substring(authority, pathStart);
                path = pathStart == path.length() ? "/" : path.substring(pathStart);
            } else if (exchange.method != null && HttpMethod.CONNECT.name().equals(exchange.method)) {
                host = path;
                path = null;
            }
        }
        accessLog.write(new AccessLog.Entry(ctx.channel().id().asShortText(), exchange.user, exchange.workspace,
                exchange.method, host, path, exchange.status, exchange.bytesIn, exchange.bytesOut,
                (System.nanoTime() - exchange.startNanos) / 1_000_000, exchange.refusal), ctx.executor());
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
            metrics.webSockets(-1);
            relay = null;
        }
        if (tunnel) {
            metrics.tunnels(-1);
            tunnel = false;
        }
        if (responding != null) {
            log(responding);
            responding = null;
        }
        Exchange exchange;
        while ((exchange = pending.poll()) != null) {
            if (exchange.answer != null) {
                // Its turn never came: the answer goes unwritten, and the log says so (status -).
                ReferenceCountUtil.release(exchange.answer);
                exchange.answer = null;
                exchange.answerPromise.tryFailure(new ClosedChannelException());
            }
            log(exchange);
        }
        heldAnswers = 0;
        ctx.fireChannelInactive();
    }
}
