package dev.codermon.proxy.upstream;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a client connection's side toward its upstreams: the one backend connection in use (kept while
 * requests go to the same workspace, taken from and given back to the event loop's {@link UpstreamPool}),
 * the messages waiting while it connects or earlier responses are awaited, and the one retry of a request
 * whose reused connection closed unanswered. Speaks back only through its {@link UpstreamListener}.
 */
public final class UpstreamLink {

    private static final Logger log = LoggerFactory.getLogger(UpstreamLink.class);

    private final UpstreamConnector connector;
    private final UpstreamPool pool;
    private final Channel client;
    private final UpstreamListener listener;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();

    private Channel backend;
    /** The backend's response handler, which knows the backend's pool key. */
    private UpstreamResponseHandler responses;
    private boolean connecting;
    private boolean awaitingResponses;
    /** Whether something was written to the backend since its last flush. */
    private boolean unflushed;

    UpstreamLink(UpstreamConnector connector, UpstreamPool pool, Channel client, UpstreamListener listener) {
        this.connector = connector;
        this.pool = pool;
        this.client = client;
        this.listener = listener;
    }

    /** Sends a {@link ForwardedRequest} or a piece of its body upstream, in order, once the upstream is ready. */
    public void send(Object msg) {
        if (connecting || awaitingResponses) {
            waiting.add(msg);
        } else {
            dispatch(msg);
        }
    }

    /** Flushes what was written upstream since the last flush. */
    public void flush() {
        if (unflushed && backend != null) {
            unflushed = false;
            backend.flush();
        }
    }

    private void dispatch(Object msg) {
        if (msg instanceof ForwardedRequest forwarded) {
            route(forwarded);
        } else if (msg instanceof HttpContent content && backend != null && backend.isActive()) {
            write(content);
        } else {
            // The body of a request whose upstream went away: nothing can take it any more.
            ReferenceCountUtil.release(msg);
        }
    }

    private void route(ForwardedRequest forwarded) {
        if (!client.isActive()) {
            ReferenceCountUtil.release(forwarded.request());
            return;
        }
        boolean usable = backend != null && backend.isActive();
        if (usable && responses.key.leadsTo(forwarded.route())) {
            responses.expect(forwarded);
            write(forwarded);
        } else if (usable && responses.inFlight() > 0) {
            awaitingResponses = true;
            waiting.addFirst(forwarded);
            listener.upstreamPending(true);
        } else {
            releaseBackend();
            UpstreamPool.Key key = UpstreamPool.Key.of(forwarded.route());
            Channel pooled = pool.acquire(key);
            if (pooled != null) {
                backend = pooled;
                responses = UpstreamConnector.responseHandlerOf(pooled);
                responses.attach(client, this);
                pooled.config().setAutoRead(client.isWritable());
                responses.expect(forwarded);
                write(forwarded);
            } else {
                connect(forwarded, key);
            }
        }
    }

    private void connect(ForwardedRequest forwarded, UpstreamPool.Key key) {
        connecting = true;
        waiting.addFirst(forwarded);
        listener.upstreamPending(true);
        UpstreamResponseHandler handler = new UpstreamResponseHandler(pool, key);
        handler.attach(client, this);
        ChannelFuture future = connector.connect(client, forwarded.route(), handler);
        backend = future.channel();
        responses = handler;
        future.addListener((ChannelFutureListener) this::connected);
    }

    private void connected(ChannelFuture future) {
        if (future.channel() != backend) {
            return;
        }
        connecting = false;
        if (!future.isSuccess()) {
            Refusal refusal = future.cause() instanceof UpstreamUnreachable unreachable ? unreachable.refusal()
                    : future.cause() instanceof ConnectTimeoutException ? Refusal.UPSTREAM_TIMEOUT
                    : Refusal.UPSTREAM_DOWN;
            log.debug("{} upstream {} of {} failed: {}", client, responses.key.socketPath(),
                    responses.key.workspaceId(), future.cause().toString());
            backend = null;
            releaseWaiting();
            ErrorResponses.sendAndClose(client, refusal);
            return;
        }
        if (!client.isActive()) {
            releaseBackend();
            return;
        }
        resumeWaiting();
    }

    private void resumeWaiting() {
        listener.upstreamPending(false);
        Object msg;
        while (!connecting && !awaitingResponses && (msg = waiting.poll()) != null) {
            dispatch(msg);
        }
        flush();
    }

    private void write(Object msg) {
        // No promise per message: a failed write reaches the upstream's exceptionCaught, which closes it.
        backend.write(msg, backend.voidPromise());
        unflushed = true;
        if (!backend.isWritable()) {
            listener.upstreamFull(true);
        }
        if (msg instanceof LastHttpContent) {
            responses.requestWritten();
            // Not only at read complete: a request can end here after an asynchronous route lookup.
            flush();
        }
    }

    /** Answers 504 and closes both connections if a request awaits its response head; returns whether it did. */
    public boolean timeOut() {
        if (backend == null || responses == null || !responses.awaitingResponseHead()) {
            return false;
        }
        log.debug("{} upstream {} did not answer in time", client, responses.key.workspaceId());
        responses.abandon(Refusal.UPSTREAM_TIMEOUT);
        return true;
    }

    /** Re-routes the client's read pausing when the client's own write buffer crosses a water mark. */
    public void clientWritabilityChanged() {
        if (backend != null) {
            backend.config().setAutoRead(client.isWritable());
        }
    }

    /** Ends the link as the client connection closes: the backend goes back to the pool if it may. */
    public void close() {
        releaseBackend();
        releaseWaiting();
    }

    /** Drops what waits, as the client connection switched to a relay that now owns the backend. */
    public void handOver() {
        releaseWaiting();
    }

    /** Sends a reused connection's one unanswered request once more (head, empty end) on a new connection. */
    void retryOnNewConnection(Channel channel, ForwardedRequest forwarded) {
        if (channel != backend) {
            return;
        }
        dropBackend();
        awaitingResponses = false;
        waiting.addFirst(LastHttpContent.EMPTY_LAST_CONTENT);
        connect(forwarded, UpstreamPool.Key.of(forwarded.route()));
    }

    /** Called by the response handler when every requested response has been relayed. */
    void responsesDone() {
        if (awaitingResponses) {
            awaitingResponses = false;
            resumeWaiting();
        }
    }

    UpstreamListener listener() {
        return listener;
    }

    /** Forgets the upstream connection (its handler no longer reports here) and reads on if it was full. */
    private void dropBackend() {
        backend = null;
        responses = null;
        listener.upstreamFull(false);
    }

    /** Called by the response handler when its upstream connection has closed. */
    void backendClosed(Channel channel) {
        if (channel != backend) {
            return;
        }
        dropBackend();
        responsesDone();
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
            ReferenceCountUtil.release(msg instanceof ForwardedRequest forwarded ? forwarded.request() : msg);
        }
    }
}
