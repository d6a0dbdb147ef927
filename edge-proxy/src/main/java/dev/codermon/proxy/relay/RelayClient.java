package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.upstream.RemoteUpstreams;
import dev.codermon.proxy.upstream.SocketKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Reaches workspaces on other nodes through their relays: a TCP connection on the client's event loop,
 * mutual TLS with this node's certificate, the preface, and the relay's {@code OK}
 * ({@link RelayClientHandler}). Never falls back to a socket path on this machine.
 *
 * <p>After an HTTP connection to a node's relay succeeded, the event loop keeps one spare connection to
 * that relay, handshaken and waiting for its preface, for the next new HTTP upstream to that node: a first
 * request to another workspace there then skips TCP and the TLS handshake with client certificates. A
 * spare is replaced when taken and closed after {@code spareKeepMillis} unused (the relay waits longer).
 */
final class RelayClient implements RemoteUpstreams {

    static final String TLS = "relay-tls";
    static final String SPARE = "relay-spare";

    private final String ownNode;
    private final RelayTls tls;
    private final RelayAddresses addresses;
    private final ChannelFactory<? extends Channel> tcp;
    private final int connectTimeoutMillis;
    private final WriteBufferWaterMark waterMark;
    private final long answerDeadlineMillis;
    private final long spareKeepMillis;
    /** Per event loop, per node: its spare connection. Each inner map is touched on its own loop only. */
    private final Map<EventLoop, Map<String, Channel>> spares = new ConcurrentHashMap<>();

    RelayClient(String ownNode, RelayTls tls, RelayAddresses addresses, ChannelFactory<? extends Channel> tcp,
            int connectTimeoutMillis, WriteBufferWaterMark waterMark, long answerDeadlineMillis, long spareKeepMillis) {
        this.ownNode = ownNode;
        this.tls = tls;
        this.addresses = addresses;
        this.tcp = tcp;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.waterMark = waterMark;
        this.answerDeadlineMillis = answerDeadlineMillis;
        this.spareKeepMillis = spareKeepMillis;
    }

    @Override
    public boolean isRemote(Route route) {
        return route.nodeId() != null && !route.nodeId().equals(ownNode);
    }

    @Override
    public ChannelFuture open(Channel client, Route route, SocketKind kind, ChannelHandler handlers) {
        String node = route.nodeId();
        EventLoop loop = client.eventLoop();
        boolean spares = kind == SocketKind.HTTP && spareKeepMillis > 0 && loop.inEventLoop();
        Channel spare = spares ? takeSpare(loop, node) : null;
        if (spare != null) {
            spare.pipeline().remove(SPARE);
            ChannelPromise ready = attach(spare, node, route, kind, handlers);
            openSpare(loop, node);
            return ready;
        }
        ChannelFuture registered = register(loop, kind == SocketKind.HTTP);
        ChannelPromise ready = attach(registered.channel(), node, route, kind, handlers);
        whenRegistered(registered, node, ready);
        if (spares) {
            ready.addListener(done -> {
                if (done.isSuccess()) {
                    openSpare(loop, node);
                }
            });
        }
        return ready;
    }

    /**
     * Adds the relay's client handler (the preface, the node check against the certificate, the answer) and
     * the caller's handlers; returns the promise of the relay's {@code OK}.
     */
    private ChannelPromise attach(Channel channel, String node, Route route, SocketKind kind, ChannelHandler handlers) {
        ChannelPromise ready = channel.newPromise();
        // After the close's own events, which may say why (a TLS alert).
        channel.closeFuture().addListener(closed -> channel.eventLoop().execute(() -> RelayClientHandler.fail(ready,
                "relay to node " + node + " closed the connection before answering")));
        channel.pipeline()
                .addLast(RelayClientHandler.NAME, new RelayClientHandler(node,
                        new RelayPreface(route.hostname(), kind), ready, answerDeadlineMillis))
                .addLast(handlers);
        return ready;
    }

    /** Returns the number of spare connections this event loop holds (handshaken or not yet), for tests. */
    int spares(EventLoop loop) {
        Map<String, Channel> each = spares.get(loop);
        return each == null ? 0 : each.size();
    }

    /**
     * Takes this loop's spare to the node if its handshake is done; its certificate's node is checked by
     * the {@link RelayClientHandler} it gets, as on a new connection.
     */
    private Channel takeSpare(EventLoop loop, String node) {
        Map<String, Channel> each = spares.get(loop);
        Channel spare = each == null ? null : each.get(node);
        if (spare == null || !spare.isActive() || !spare.pipeline().get(SslHandler.class).handshakeFuture().isSuccess()) {
            return null;
        }
        each.remove(node);
        return spare;
    }

    /** Opens a spare connection to the node's relay on this loop, unless it has one (ready or on its way). */
    private void openSpare(EventLoop loop, String node) {
        Map<String, Channel> each = spares.computeIfAbsent(loop, l -> new HashMap<>());
        if (each.containsKey(node)) {
            return;
        }
        ChannelFuture registered = register(loop, true);
        Channel channel = registered.channel();
        each.put(node, channel);
        channel.pipeline().addLast(SPARE, new SpareHandler());
        channel.closeFuture().addListener(closed -> each.remove(node, channel));
        // A spare that cannot connect is closed; nobody waits for it.
        whenRegistered(registered, node, channel.newPromise());
        loop.schedule(() -> {
            if (each.remove(node, channel)) {
                channel.close();
            }
        }, spareKeepMillis, TimeUnit.MILLISECONDS);
    }

    /** Registers a TCP channel on the loop with the relay's TLS first in its pipeline; connects later. */
    private ChannelFuture register(EventLoop loop, boolean autoRead) {
        ChannelFuture registered = new Bootstrap()
                .group(loop)
                .channelFactory(tcp)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // A raw relay (SSH) reads only when its peer took the last write, as a unix socket would.
                .option(ChannelOption.AUTO_READ, autoRead)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The handlers are added by the caller, once its promise exists.
                    }
                })
                .register();
        Channel channel = registered.channel();
        channel.pipeline().addLast(TLS, tls.client().newHandler(channel.alloc()));
        return registered;
    }

    /** Once the channel is registered: looks the node's relay address up and connects, or fails the promise. */
    private void whenRegistered(ChannelFuture registered, String node, ChannelPromise ready) {
        Channel channel = registered.channel();
        registered.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                RelayClientHandler.fail(ready, "relay to node " + node + " failed: " + done.cause());
                return;
            }
            addresses.lookup(node).whenComplete((address, error) ->
                    channel.eventLoop().execute(() -> connect(channel, ready, node, address, error)));
        });
    }

    private static void connect(Channel channel, ChannelPromise ready, String node,
            Optional<InetSocketAddress> address, Throwable error) {
        if (ready.isDone()) {
            channel.close();
            return;
        }
        if (error != null || address.isEmpty()) {
            RelayClientHandler.fail(ready, "relay to node " + node + " failed: " + (error != null
                    ? "cannot read its relay address: " + rootMessage(error)
                    : "the store knows no relay address for node " + node));
            channel.close();
            return;
        }
        channel.connect(address.get()).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                RelayClientHandler.fail(ready, "relay to node " + node + " failed: cannot connect to "
                        + address.get().getHostString() + ":" + address.get().getPort() + " ("
                        + rootMessage(connected.cause()) + ")");
                channel.close();
            }
        });
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Holds a spare connection until it is taken: closes it if its handshake fails or the relay sends anything. */
    private static final class SpareHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
