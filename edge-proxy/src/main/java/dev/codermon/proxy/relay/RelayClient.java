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
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reaches workspaces on other nodes through their relays, with this node's certificate (mutual TLS).
 * HTTP connections ride streams of one multiplexed connection per event loop and node ({@link RelayMux});
 * a raw relay (SSH) gets a connection of its own on the client's event loop, with the preface and the
 * relay's {@code OK} ({@link RelayClientHandler}). Never falls back to a socket path on this machine.
 */
final class RelayClient implements RemoteUpstreams {

    static final String TLS = "relay-tls";

    private final String ownNode;
    private final Supplier<RelayTls> tls;
    private final RelayAddresses addresses;
    private final PeerCheck peers;
    private final ChannelFactory<? extends Channel> tcp;
    private final int connectTimeoutMillis;
    private final WriteBufferWaterMark waterMark;
    private final long answerDeadlineMillis;
    private final RelayMux mux;

    /**
     * @param keepMillis    how long a multiplexed connection to a relay stays open without streams
     * @param silenceMillis after how long without anything read such a connection is checked (a PING)
     */
    RelayClient(String ownNode, Supplier<RelayTls> tls, RelayAddresses addresses, PeerCheck peers,
            ChannelFactory<? extends Channel> tcp, int connectTimeoutMillis, WriteBufferWaterMark waterMark, long answerDeadlineMillis, long keepMillis,
            long silenceMillis) {
        this.ownNode = ownNode;
        this.tls = tls;
        this.addresses = addresses;
        this.peers = peers;
        this.tcp = tcp;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.waterMark = waterMark;
        this.answerDeadlineMillis = answerDeadlineMillis;
        this.mux = new RelayMux(new RelayMux.Dialer() {
            @Override
            public RelayTls tls() {
                return tls.get();
            }

            @Override
            public ChannelFuture register(EventLoop loop, RelayTls with) {
                return RelayClient.this.register(loop, true, with.mux());
            }

            @Override
            public void connect(ChannelFuture registered, String node, ChannelPromise up) {
                whenRegistered(registered, node, up);
            }

            @Override
            public void checkPeer(Channel channel, String node, java.util.function.Consumer<String> then) {
                peers.check(channel, node, then);
            }
        }, waterMark, answerDeadlineMillis, keepMillis, silenceMillis);
    }

    @Override
    public boolean isRemote(Route route) {
        return route.nodeId() != null && !route.nodeId().equals(ownNode);
    }

    @Override
    public ChannelFuture open(Channel client, Route route, SocketKind kind, ChannelHandler handlers) {
        EventLoop loop = client.eventLoop();
        if (kind == SocketKind.HTTP && loop.inEventLoop()) {
            return mux.open(client, route, handlers);
        }
        ChannelFuture registered = register(loop, kind == SocketKind.HTTP, tls.get().client());
        ChannelPromise ready = attach(registered.channel(), route.nodeId(), route, kind, handlers);
        whenRegistered(registered, route.nodeId(), ready);
        return ready;
    }

    /** Returns how many multiplexed connections to relays this event loop holds, for tests. */
    int connections(EventLoop loop) {
        return mux.connections(loop);
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
                        new RelayPreface(route.hostname(), kind), ready, answerDeadlineMillis, peers))
                .addLast(handlers);
        return ready;
    }

    /** Registers a TCP channel on the loop with the relay's TLS first in its pipeline; connects later. */
    private ChannelFuture register(EventLoop loop, boolean autoRead, SslContext context) {
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
        channel.pipeline().addLast(TLS, context.newHandler(channel.alloc()));
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
}
