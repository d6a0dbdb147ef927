package dev.codermon.proxy.upstream;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Reaches workspaces placed on other nodes. A route whose node is this proxy's own (or that names no node,
 * on a one-machine store) is reached through its unix socket here; any other only through that node's
 * relay, never through a socket path on this machine.
 */
public interface RemoteUpstreams {

    /** Reaches no other node: a route on another node is refused with a {@code 502}. */
    RemoteUpstreams NONE = new RemoteUpstreams() {
        @Override
        public boolean isRemote(Route route) {
            return route.nodeId() != null;
        }

        @Override
        public ChannelFuture open(Channel client, Route route, SocketKind kind, ChannelHandler handlers) {
            return client.newFailedFuture(new UpstreamUnreachable(noRelay(route.nodeId())));
        }
    };

    /** Returns whether the route's workspace is on another node than this proxy's. */
    boolean isRemote(Route route);

    /**
     * Opens a connection on the client's event loop to the socket of the given kind of a workspace on
     * another node. The future succeeds once the relay said yes, with the handlers added last to the
     * channel's pipeline; on a refusal it fails with {@link UpstreamUnreachable}.
     */
    ChannelFuture open(Channel client, Route route, SocketKind kind, ChannelHandler handlers);

    /** Returns the refusal of a route on another node by a proxy that has no relay. */
    static Refusal noRelay(String nodeId) {
        return new Refusal(HttpResponseStatus.BAD_GATEWAY,
                "workspace is on node " + nodeId + " and this proxy has no relay configured");
    }
}
