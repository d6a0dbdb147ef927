package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.HopByHopHeaders;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.ForwardedRequest;
import dev.codermon.proxy.upstream.UpstreamConnector;
import dev.codermon.proxy.upstream.UpstreamLink;
import dev.codermon.proxy.upstream.UpstreamListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands routed requests, with the headers the upstream must see, and their bodies to the connection's
 * {@link UpstreamLink}, which owns everything upstream; pauses the client's reads while the link says
 * so and switches the connection to a relay when the upstream accepts a WebSocket upgrade.
 */
final class ForwardHandler extends ChannelInboundHandlerAdapter implements UpstreamListener {

    private static final Logger log = LoggerFactory.getLogger(ForwardHandler.class);
    /** X-Forwarded-For's word for an address that is not an IP one (RFC 7239 "unknown"). */
    private static final AsciiString UNKNOWN_CLIENT = AsciiString.cached("unknown");

    private final ActivityRecorder activity;
    private final ReadSuspension reads;
    private final Channel client;
    private final UpstreamLink upstream;
    private CharSequence clientAddress;

    ForwardHandler(UpstreamConnector connector, ActivityRecorder activity, ReadSuspension reads, Channel client) {
        this.activity = activity;
        this.reads = reads;
        this.client = client;
        this.upstream = connector.link(client, this);
    }

    /** Returns the connection's link to its upstreams. */
    UpstreamLink upstream() {
        return upstream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Exchange exchange && exchange.forwarding != null) {
            upstream.send(prepare(ctx, exchange.request, exchange.forwarding));
        } else if (msg instanceof HttpContent) {
            upstream.send(msg);
        } else {
            ReferenceCountUtil.release(msg instanceof Exchange exchange ? exchange.request : msg);
        }
    }

    /** Sets the request's origin-form target and the headers the upstream must see. */
    private ForwardedRequest prepare(ChannelHandlerContext ctx, HttpRequest request, Forwarding routed) {
        boolean webSocket = HopByHopHeaders.isWebSocketUpgrade(request.headers());
        request.setUri(routed.originForm());
        HopByHopHeaders.stripRequest(request.headers(), webSocket, routed.https(), clientAddress());
        activity.touch(routed.route().workspaceId());
        if (log.isDebugEnabled()) {
            // Guarded: four arguments would allocate their array on every request.
            log.debug("{} {} {} -> {}", ctx.channel(), request.method(), routed.route().hostname(),
                    routed.route().workspaceId());
        }
        return new ForwardedRequest(request, routed.route(), routed.keepAlive(), webSocket, routed.defences(),
                routed.appPort());
    }

    /** Returns the client's address, as said upstream in {@code X-Forwarded-For}; read once per connection. */
    private CharSequence clientAddress() {
        if (clientAddress == null) {
            clientAddress = client.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                    ? new AsciiString(inet.getAddress().getHostAddress()) : UNKNOWN_CLIENT;
        }
        return clientAddress;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        upstream.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void upstreamPending(boolean pending) {
        if (pending) {
            reads.suspend(ReadSuspension.UPSTREAM_PENDING);
        } else {
            reads.resume(ReadSuspension.UPSTREAM_PENDING);
        }
    }

    @Override
    public void upstreamFull(boolean full) {
        if (full) {
            reads.suspend(ReadSuspension.UPSTREAM_FULL);
        } else {
            reads.resume(ReadSuspension.UPSTREAM_FULL);
        }
    }

    @Override
    public void upgraded(Channel backend, String workspaceId) {
        client.flush();
        log.debug("{} switching to WebSocket relay", client);
        WebSocketSwitch.apply(client, backend, activity, workspaceId);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        upstream.clientWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        upstream.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed when switching to a relay: the backend now belongs to the relay.
        upstream.handOver();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} client connection failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
