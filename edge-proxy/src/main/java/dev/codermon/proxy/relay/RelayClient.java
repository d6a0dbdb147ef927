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
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Reaches workspaces on other nodes through their relays: a TCP connection on the client's event loop,
 * mutual TLS with this node's certificate, the preface, and the relay's {@code OK}
 * ({@link RelayClientHandler}). Never falls back to a socket path on this machine.
 */
final class RelayClient implements RemoteUpstreams {

    static final String TLS = "relay-tls";

    private final String ownNode;
    private final RelayTls tls;
    private final RelayAddresses addresses;
    private final ChannelFactory<? extends Channel> tcp;
    private final int connectTimeoutMillis;
    private final WriteBufferWaterMark waterMark;
    private final long answerDeadlineMillis;

    RelayClient(String ownNode, RelayTls tls, RelayAddresses addresses, ChannelFactory<? extends Channel> tcp,
            int connectTimeoutMillis, WriteBufferWaterMark waterMark, long answerDeadlineMillis) {
        this.ownNode = ownNode;
        this.tls = tls;
        this.addresses = addresses;
        this.tcp = tcp;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.waterMark = waterMark;
        this.answerDeadlineMillis = answerDeadlineMillis;
    }

    @Override
    public boolean isRemote(Route route) {
        return route.nodeId() != null && !route.nodeId().equals(ownNode);
    }

    @Override
    public ChannelFuture open(Channel client, Route route, SocketKind kind, ChannelHandler handlers) {
        String node = route.nodeId();
        ChannelFuture registered = new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(tcp)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // A raw relay (SSH) reads only when its peer took the last write, as a unix socket would.
                .option(ChannelOption.AUTO_READ, kind == SocketKind.HTTP)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The handlers are added below, once the promise exists.
                    }
                })
                .register();
        Channel channel = registered.channel();
        ChannelPromise ready = channel.newPromise();
        channel.pipeline()
                .addLast(TLS, tls.client().newHandler(channel.alloc()))
                .addLast(RelayClientHandler.NAME, new RelayClientHandler(node,
                        new RelayPreface(route.hostname(), kind), ready, answerDeadlineMillis))
                .addLast(handlers);
        // After the close's own events, which may say why (a TLS alert).
        channel.closeFuture().addListener(closed -> channel.eventLoop().execute(() -> RelayClientHandler.fail(ready,
                "relay to node " + node + " closed the connection before answering")));
        registered.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                RelayClientHandler.fail(ready, "relay to node " + node + " failed: " + done.cause());
                return;
            }
            addresses.lookup(node).whenComplete((address, error) ->
                    channel.eventLoop().execute(() -> connect(channel, ready, node, address, error)));
        });
        return ready;
    }

    private static void connect(Channel channel, ChannelPromise ready, String node,
            Optional<InetSocketAddress> address, Throwable error) {
        if (ready.isDone()) {
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
