package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A proxy's multiplexed connections to other nodes' relays ({@link RelayMuxProtocol}): per event loop and
 * node one TCP connection with mutual TLS and HTTP/2, opened on first need, which every HTTP connection from
 * a client on that loop to a workspace on that node rides as a stream of its own. A connection that carries
 * no stream for {@code keepMillis} is closed; one that fails or that the relay closes (GOAWAY) is replaced by
 * the next stream's need. Each map is touched on its own event loop only.
 */
final class RelayMux {

    static final String READY = "relay-mux-ready";

    private final Dialer dialer;
    private final WriteBufferWaterMark waterMark;
    private final long answerDeadlineMillis;
    private final long keepMillis;
    private final long silenceMillis;
    private final Map<EventLoop, Map<String, Link>> links = new ConcurrentHashMap<>();

    /** How a connection to a node's relay is made. */
    interface Dialer {

        /** Returns the node's TLS contexts in use now (its certificate issued again: new ones). */
        RelayTls tls();

        /** Registers a TCP channel on the loop with the relay's TLS (those contexts, h2 offered) first in its pipeline. */
        ChannelFuture register(EventLoop loop, RelayTls with);

        /**
         * Once registered, looks the node's relay address up and connects; a failure fails the promise
         * with the reason and closes the channel.
         */
        void connect(ChannelFuture registered, String node, ChannelPromise up);

        /** Tells {@code then}, on the channel's loop, null if the relay's certificate is its node's, else why not. */
        void checkPeer(Channel channel, String node, java.util.function.Consumer<String> then);
    }

    /**
     * @param silenceMillis after how long without anything read a connection is checked with a PING (and
     *                      closed after as long again without an answer)
     */
    RelayMux(Dialer dialer, WriteBufferWaterMark waterMark, long answerDeadlineMillis, long keepMillis,
            long silenceMillis) {
        this.dialer = dialer;
        this.silenceMillis = silenceMillis;
        this.waterMark = waterMark;
        this.answerDeadlineMillis = answerDeadlineMillis;
        this.keepMillis = keepMillis;
    }

    /**
     * One connection to a node's relay: its channel, whether it is up, how many streams it carries, the TLS
     * contexts (this node's certificate) it was opened with.
     */
    private final class Link {
        final Channel channel;
        final ReadyHandler ready;
        final RelayTls tls;
        int streams;
        ScheduledFuture<?> idle;

        Link(Channel channel, ReadyHandler ready, RelayTls tls) {
            this.channel = channel;
            this.ready = ready;
            this.tls = tls;
        }

        /** Whether new streams may ride it: open, and opened with this node's certificate of now. */
        boolean usable() {
            return (channel.isActive() || (!ready.up.isDone() && channel.isOpen())) && tls == dialer.tls();
        }
    }

    /**
     * Opens a stream to the route's workspace on its node, on the client's event loop (the caller's
     * thread): the returned future's channel is the stream, with the handlers last in its pipeline; it
     * succeeds on the relay's {@code 200} and fails with {@code UpstreamUnreachable} naming the reason.
     */
    ChannelPromise open(Channel client, Route route, ChannelHandler handlers) {
        EventLoop loop = client.eventLoop();
        String node = route.nodeId();
        Link link = linkTo(loop, node);
        ChannelPromise[] ready = new ChannelPromise[1];
        Future<Http2StreamChannel> opened = new Http2StreamChannelBootstrap(link.channel)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        ready[0] = stream.newPromise();
                        stream.pipeline()
                                .addLast(StreamBytes.NAME, new StreamBytes())
                                .addLast(MuxStreamClientHandler.NAME, new MuxStreamClientHandler(node,
                                        route.hostname(), link.ready.up, link.ready::failure, ready[0],
                                        answerDeadlineMillis))
                                .addLast(handlers);
                    }
                })
                .open();
        if (!opened.isSuccess()) {
            ChannelPromise failed = client.newPromise();
            RelayClientHandler.fail(failed, "relay to node " + node + " failed: cannot open a stream ("
                    + opened.cause() + ")");
            return failed;
        }
        Http2StreamChannel stream = opened.getNow();
        link.streams++;
        if (link.idle != null) {
            link.idle.cancel(false);
            link.idle = null;
        }
        stream.closeFuture().addListener(closed -> streamClosed(loop, node, link));
        return ready[0];
    }

    /** Returns this loop's usable connection to the node's relay, opening one if there is none. */
    private Link linkTo(EventLoop loop, String node) {
        Map<String, Link> each = links.computeIfAbsent(loop, l -> new HashMap<>());
        Link link = each.get(node);
        if (link != null && link.usable()) {
            return link;
        }
        RelayTls tls = dialer.tls();
        ChannelFuture registered = dialer.register(loop, tls);
        Channel channel = registered.channel();
        ReadyHandler ready = addHandlers(channel, node);
        dialer.connect(registered, node, ready.up);
        Link fresh = new Link(channel, ready, tls);
        each.put(node, fresh);
        channel.closeFuture().addListener(closed -> each.remove(node, fresh));
        return fresh;
    }

    private void streamClosed(EventLoop loop, String node, Link link) {
        if (--link.streams > 0 || !link.channel.isOpen()) {
            return;
        }
        if (link.tls != dialer.tls()) {
            // Opened with this node's certificate before it was issued again: no new stream takes it.
            link.channel.close();
            return;
        }
        link.idle = loop.schedule(() -> {
            if (link.streams == 0) {
                Map<String, Link> each = links.get(loop);
                if (each != null) {
                    each.remove(node, link);
                }
                link.channel.close();
            }
        }, keepMillis, TimeUnit.MILLISECONDS);
    }

    /** Returns how many connections to relays this event loop holds (open or on their way), for tests. */
    int connections(EventLoop loop) {
        Map<String, Link> each = links.get(loop);
        return each == null ? 0 : each.size();
    }

    /**
     * Completes the pipeline of a new connection behind its TLS handler: the readiness check, flush
     * folding, the HTTP/2 codec and the stream multiplexer (the relay opens no streams of its own).
     */
    private ReadyHandler addHandlers(Channel channel, String node) {
        ReadyHandler ready = new ReadyHandler(node, channel.newPromise());
        channel.pipeline()
                .addLast(READY, ready)
                .addLast("relay-idle", new IdleStateHandler(silenceMillis, 0, 0, TimeUnit.MILLISECONDS))
                .addLast("relay-liveness", new LivenessHandler())
                .addLast("relay-flushes", RelayMuxProtocol.flushes())
                .addLast("relay-written", RelayMuxProtocol.skipEmptyFlushes())
                .addLast("relay-h2", RelayMuxProtocol.clientCodec())
                .addLast("relay-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel pushed) {
                        pushed.close();
                    }
                }))
                .addLast("relay-goaway", new GoAwayHandler(node));
        return ready;
    }

    /**
     * Completes the connection's promise once TLS is up with a relay that names the route's node in its
     * certificate and chose h2, and opens the connection's flow-control window; fails it with the reason
     * otherwise. Stays to keep the reason of a later failure (under TLS 1.3 a relay refuses the proxy's
     * certificate after the proxy's handshake is done) for the streams it ends.
     */
    private final class ReadyHandler extends ChannelInboundHandlerAdapter {

        private final String node;
        private final ChannelPromise up;
        private String failure;

        ReadyHandler(String node, ChannelPromise up) {
            this.node = node;
            this.up = up;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent handshake)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (!handshake.isSuccess()) {
                fail(ctx, "relay to node " + node + " failed TLS: " + RelayClientHandler.describe(handshake.cause()));
                return;
            }
            String wrongNode = RelayClientHandler.wrongNode(ctx.channel(), node);
            if (wrongNode != null) {
                fail(ctx, wrongNode);
                return;
            }
            String protocol = ctx.pipeline().get(SslHandler.class).applicationProtocol();
            if (!RelayTls.H2.equals(protocol)) {
                fail(ctx, "relay to node " + node + " does not offer the multiplexed relay protocol (h2), so it runs"
                        + " an older Codermon: update it");
                return;
            }
            dialer.checkPeer(ctx.channel(), node, refusal -> {
                if (refusal != null) {
                    fail(ctx, "relay to node " + node + " refused: " + refusal);
                } else if (ctx.channel().isActive()) {
                    RelayMuxProtocol.openConnectionWindow(ctx.pipeline().get(Http2FrameCodec.class), ctx.channel());
                    up.trySuccess();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // A TLS alert that closed the connection is reported right after the close: let it name the reason.
            ctx.executor().execute(() -> RelayClientHandler.fail(up,
                    "relay to node " + node + " closed the connection before answering"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            boolean tls = cause instanceof SSLException || cause.getCause() instanceof SSLException;
            fail(ctx, "relay to node " + node + " failed" + (tls ? " TLS: " : ": ") + RelayClientHandler.describe(cause));
        }

        private void fail(ChannelHandlerContext ctx, String reason) {
            if (failure == null) {
                failure = reason;
            }
            RelayClientHandler.fail(up, reason);
            ctx.close();
        }

        /** Returns why the connection failed, or null. */
        String failure() {
            return failure;
        }
    }

    /**
     * Checks that the relay is still there: after {@code silenceMillis} without anything read it sends a
     * PING (through the whole pipeline, to be encoded), and closes the connection if the next such span
     * passes without even its answer (a node that vanished without closing its connections), so that new
     * streams dial anew.
     */
    private static final class LivenessHandler extends ChannelInboundHandlerAdapter {

        private boolean pinged;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            pinged = false;
            ctx.fireChannelRead(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof IdleStateEvent)) {
                ctx.fireUserEventTriggered(evt);
            } else if (pinged) {
                // Nothing read since the PING, not even its answer: the relay or the way to it is gone.
                ctx.close();
            } else {
                pinged = true;
                ctx.channel().writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
            }
        }
    }

    /** Takes a connection the relay is closing (GOAWAY) out of use: its streams finish, new ones go elsewhere. */
    private final class GoAwayHandler extends ChannelInboundHandlerAdapter {

        private final String node;

        GoAwayHandler(String node) {
            this.node = node;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame goAway
                    && goAway.errorCode() == io.netty.handler.codec.http2.Http2Error.INADEQUATE_SECURITY.code()) {
                // The relay refused this node (its certificate is not the one this node published): say why.
                ReadyHandler ready = ctx.pipeline().get(ReadyHandler.class);
                if (ready != null) {
                    ready.fail(ctx, "relay to node " + node + " refused this node: "
                            + RelayClientHandler.printable(goAway.content().toString(io.netty.util.CharsetUtil.US_ASCII)));
                }
            }
            if (msg instanceof Http2GoAwayFrame) {
                Map<String, Link> each = links.get(ctx.channel().eventLoop());
                if (each != null) {
                    Link link = each.get(node);
                    if (link != null && link.channel == ctx.channel()) {
                        each.remove(node);
                    }
                }
            }
            ReferenceCountUtil.release(msg);
        }
    }
}
