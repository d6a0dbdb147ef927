package dev.codermon.proxy.pipeline;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.HopByHopHeaders;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RetryableRequests;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.UpstreamConnector;
import dev.codermon.proxy.upstream.UpstreamPool;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams routed requests to their upstream, one backend connection per client connection at a time,
 * reused while requests go to the same workspace. Backend connections come from and go back to the
 * event loop's {@link UpstreamPool}, so that later client connections reuse them; a new one is opened
 * only when the pool has none. Waits (with reads paused) while connecting, and before switching
 * upstream until the responses already requested have arrived.
 */
final class ForwardHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ForwardHandler.class);
    /** X-Forwarded-For's word for an address that is not an IP one (RFC 7239 "unknown"). */
    private static final AsciiString UNKNOWN_CLIENT = AsciiString.cached("unknown");

    private final UpstreamConnector connector;
    private final ActivityRecorder activity;
    private final ReadSuspension reads;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();

    private ChannelHandlerContext ctx;
    private UpstreamPool pool;
    private Channel backend;
    private Route backendRoute;
    private UpstreamResponseHandler responses;
    private boolean connecting;
    private boolean awaitingResponses;
    private CharSequence clientAddress;
    /** Whether something was written to the backend since its last flush. */
    private boolean unflushed;

    ForwardHandler(UpstreamConnector connector, ActivityRecorder activity, ReadSuspension reads) {
        this.connector = connector;
        this.activity = activity;
        this.reads = reads;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.pool = connector.poolFor(ctx.channel().eventLoop());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (connecting || awaitingResponses) {
            waiting.add(msg);
        } else {
            dispatch(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushBackend();
        ctx.fireChannelReadComplete();
    }

    private void flushBackend() {
        if (unflushed && backend != null) {
            unflushed = false;
            backend.flush();
        }
    }

    private void dispatch(Object msg) {
        if (msg instanceof RoutedRequest routed) {
            route(routed);
        } else if (msg instanceof HttpContent content && backend != null && backend.isActive()) {
            write(content);
        } else {
            // The body of a request whose upstream went away: nothing can take it any more.
            ReferenceCountUtil.release(msg);
        }
    }

    private void route(RoutedRequest routed) {
        if (!ctx.channel().isActive()) {
            ReferenceCountUtil.release(routed.request());
            return;
        }
        boolean usable = backend != null && backend.isActive();
        if (usable && sameUpstream(backendRoute, routed.route())) {
            forward(routed);
        } else if (usable && responses.inFlight() > 0) {
            awaitingResponses = true;
            waiting.addFirst(routed);
            reads.suspend(ReadSuspension.UPSTREAM_PENDING);
        } else {
            releaseBackend();
            UpstreamPool.Key key = keyOf(routed.route());
            Channel pooled = pool.acquire(key);
            if (pooled != null) {
                attach(pooled, routed.route(), (UpstreamResponseHandler) pooled.pipeline().get(
                        HandlerNames.UPSTREAM_RESPONSE));
                forward(routed);
            } else {
                connect(routed, key);
            }
        }
    }

    /** Returns whether two routes lead to the same upstream socket of the same workspace. */
    private static boolean sameUpstream(Route a, Route b) {
        return a != null && a.upstreamSocket().equals(b.upstreamSocket()) && a.workspaceId().equals(b.workspaceId());
    }

    private static UpstreamPool.Key keyOf(Route route) {
        return new UpstreamPool.Key(route.workspaceId(), route.upstreamSocket());
    }

    private void attach(Channel channel, Route route, UpstreamResponseHandler handler) {
        handler.attach(ctx.channel(), this);
        backend = channel;
        backendRoute = route;
        responses = handler;
        channel.config().setAutoRead(ctx.channel().isWritable());
    }

    private void connect(RoutedRequest routed, UpstreamPool.Key key) {
        connecting = true;
        waiting.addFirst(routed);
        reads.suspend(ReadSuspension.UPSTREAM_PENDING);
        UpstreamResponseHandler handler = new UpstreamResponseHandler(pool, key, activity);
        handler.attach(ctx.channel(), this);
        ChannelFuture future = connector.connect(ctx.channel(), routed.route(), handler);
        backend = future.channel();
        backendRoute = routed.route();
        responses = handler;
        future.addListener((ChannelFutureListener) this::connected);
    }

    private void connected(ChannelFuture future) {
        if (future.channel() != backend) {
            return;
        }
        connecting = false;
        if (!future.isSuccess()) {
            Refusal refusal = future.cause() instanceof ConnectTimeoutException
                    ? Refusal.UPSTREAM_TIMEOUT : Refusal.UPSTREAM_DOWN;
            log.debug("{} upstream {} of {} failed: {}", ctx.channel(), backendRoute.upstreamSocket(),
                    backendRoute.workspaceId(), future.cause().toString());
            backend = null;
            releaseWaiting();
            ErrorResponses.sendAndClose(ctx.channel(), refusal);
            return;
        }
        if (!ctx.channel().isActive()) {
            releaseBackend();
            return;
        }
        resumeWaiting();
    }

    private void resumeWaiting() {
        reads.resume(ReadSuspension.UPSTREAM_PENDING);
        Object msg;
        while (!connecting && !awaitingResponses && (msg = waiting.poll()) != null) {
            dispatch(msg);
        }
        flushBackend();
    }

    private void forward(RoutedRequest routed) {
        HttpRequest request = routed.request();
        boolean webSocket = HopByHopHeaders.isWebSocketUpgrade(request.headers());
        request.setUri(routed.originForm());
        HopByHopHeaders.stripRequest(request.headers(), webSocket, routed.https(), clientAddress());
        responses.expect(routed.keepAlive(), HttpUtil.isKeepAlive(request), webSocket,
                HttpMethod.HEAD.equals(request.method()), routed.route().workspaceId(),
                RetryableRequests.isRetryable(request, webSocket) ? routed : null, routed.defences());
        activity.touch(routed.route().workspaceId());
        if (log.isDebugEnabled()) {
            // Guarded: four arguments would allocate their array on every request.
            log.debug("{} {} {} -> {}", ctx.channel(), request.method(), routed.route().hostname(),
                    routed.route().workspaceId());
        }
        write(request);
    }

    /** Returns the client's address, as said upstream in {@code X-Forwarded-For}; read once per connection. */
    private CharSequence clientAddress() {
        if (clientAddress == null) {
            clientAddress = ctx.channel().remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                    ? new AsciiString(inet.getAddress().getHostAddress()) : UNKNOWN_CLIENT;
        }
        return clientAddress;
    }

    private void write(Object msg) {
        // No promise per message: a failed write reaches the upstream's exceptionCaught, which closes it.
        backend.write(msg, backend.voidPromise());
        unflushed = true;
        if (!backend.isWritable()) {
            reads.suspend(ReadSuspension.UPSTREAM_FULL);
        }
        if (msg instanceof LastHttpContent) {
            responses.requestWritten();
            // Not only at read complete: a request can end here after an asynchronous route lookup.
            flushBackend();
        }
    }

    /**
     * Answers 504 and closes both connections if a forwarded request is still waiting for its response
     * head (called when the client connection went idle).
     *
     * @return whether it did; if not, the caller closes the connection itself
     */
    boolean timeOutUpstream() {
        if (backend == null || responses == null || !responses.awaitingResponseHead()) {
            return false;
        }
        log.debug("{} upstream {} did not answer in time", ctx.channel(), backendRoute.workspaceId());
        responses.abandon(backend.pipeline().context(responses), Refusal.UPSTREAM_TIMEOUT);
        return true;
    }

    /**
     * Called by the response handler when a reused upstream connection closed before answering its one
     * request: sends that request (head and empty end) once more, first, on a newly opened connection.
     */
    void retryOnNewConnection(Channel channel, RoutedRequest routed) {
        if (channel != backend) {
            return;
        }
        dropBackend();
        awaitingResponses = false;
        waiting.addFirst(LastHttpContent.EMPTY_LAST_CONTENT);
        connect(routed, keyOf(routed.route()));
    }

    /** Called by the response handler when every requested response has been relayed. */
    void responsesDone() {
        if (awaitingResponses) {
            awaitingResponses = false;
            resumeWaiting();
        }
    }

    /** Called by the response handler when the upstream's write buffer crosses a water mark. */
    void upstreamWritabilityChanged(boolean writable) {
        if (writable) {
            reads.resume(ReadSuspension.UPSTREAM_FULL);
        } else {
            reads.suspend(ReadSuspension.UPSTREAM_FULL);
        }
    }

    /** Forgets the upstream connection (its handler no longer reports here) and reads on if it was full. */
    private void dropBackend() {
        backend = null;
        backendRoute = null;
        responses = null;
        reads.resume(ReadSuspension.UPSTREAM_FULL);
    }

    /** Called by the response handler when its upstream connection has closed. */
    void backendClosed(Channel channel) {
        if (channel != backend) {
            return;
        }
        dropBackend();
        if (awaitingResponses) {
            awaitingResponses = false;
            resumeWaiting();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backend != null) {
            backend.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseBackend();
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed when switching to a relay: the backend now belongs to the relay.
        releaseWaiting();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} client connection failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    /** Gives the backend connection back to the pool if it may carry another exchange; closes it if not. */
    private void releaseBackend() {
        if (backend == null) {
            return;
        }
        Channel channel = backend;
        boolean pooled = !connecting && responses.release();
        backendClosed(channel);
        if (!pooled) {
            channel.close();
        }
    }

    private void releaseWaiting() {
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg instanceof RoutedRequest routed ? routed.request() : msg);
        }
    }
}
