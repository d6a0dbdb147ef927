package dev.codermon.proxy.access;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.Route;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.AttributeKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows, for every open client connection that reached a workspace, whose credentials and which
 * workspace its latest request used, so that revoking a user or removing a route can close its live
 * tunnels and WebSockets, and so that the proxy can say per workspace what it holds open
 * ({@link #openByWorkspace}). Connections bind and unbind on their own event loop; closing is scheduled
 * on each connection's event loop. Thread-safe.
 */
public final class LiveConnections {

    private static final Logger log = LoggerFactory.getLogger(LiveConnections.class);

    /** What a connection's latest forwarded request was allowed by. */
    private record Binding(String user, String tokenId, Instant issuedAt, String workspaceId, String hostname) {
    }

    /** Set once a connection relays a WebSocket (after the 101); it stays a relay until it closes. */
    private static final AttributeKey<Boolean> WEB_SOCKET = AttributeKey.valueOf(LiveConnections.class, "webSocket");
    /** Set once a connection is a tunnel (an accepted CONNECT, or an SSH tunnel); it stays one until it closes. */
    private static final AttributeKey<Boolean> TUNNEL = AttributeKey.valueOf(LiveConnections.class, "tunnel");

    private final Map<Channel, Binding> bindings = new ConcurrentHashMap<>();
    private final ChannelFutureListener unbind = future -> bindings.remove(future.channel());

    /** Records that the connection now carries the principal's traffic to the route's workspace. */
    public void bind(Channel channel, Principal principal, Route route) {
        Binding binding = new Binding(principal.user(), principal.tokenId(), principal.issuedAt(),
                route.workspaceId(), route.hostname());
        if (bindings.put(channel, binding) == null) {
            channel.closeFuture().addListener(unbind);
        }
    }

    /** Notes that the client connection now relays a WebSocket (called once, at its upgrade). */
    public static void markWebSocket(Channel channel) {
        channel.attr(WEB_SOCKET).set(Boolean.TRUE);
    }

    /** Notes that the client connection is now a tunnel (called once, when the tunnel is accepted). */
    public static void markTunnel(Channel channel) {
        channel.attr(TUNNEL).set(Boolean.TRUE);
    }

    /**
     * Counts the open connections bound to each workspace, and among them the WebSockets and tunnels. Walks
     * every bound connection: meant for a background thread every few seconds, never for a request.
     */
    public Map<String, OpenCounts> openByWorkspace() {
        Map<String, int[]> counts = new HashMap<>();
        bindings.forEach((channel, binding) -> {
            if (!channel.isOpen()) {
                return;
            }
            int[] c = counts.computeIfAbsent(binding.workspaceId(), id -> new int[3]);
            c[0]++;
            if (channel.attr(WEB_SOCKET).get() != null) {
                c[1]++;
            }
            if (channel.attr(TUNNEL).get() != null) {
                c[2]++;
            }
        });
        Map<String, OpenCounts> out = new HashMap<>();
        counts.forEach((id, c) -> out.put(id, new OpenCounts(c[0], c[1], c[2])));
        return out;
    }

    /** Closes every connection whose credentials the revocations now refuse. */
    public void closeRevoked(Revocations revocations) {
        bindings.forEach((channel, binding) -> {
            if (revocations.isRevoked(binding.user(), binding.tokenId(), binding.issuedAt())) {
                close(channel, "credentials revoked");
            }
        });
    }

    /**
     * Closes every connection whose workspace no longer has the route it was bound to (gone, or another
     * workspace or user at that hostname now).
     *
     * @param routes returns a hostname's route, or null if it has none; must not block
     */
    public void closeUnrouted(Function<String, Route> routes) {
        bindings.forEach((channel, binding) -> {
            Route route = routes.apply(binding.hostname());
            if (route == null || !route.workspaceId().equals(binding.workspaceId())
                    || !route.user().equals(binding.user())) {
                close(channel, "workspace route removed");
            }
        });
    }

    private void close(Channel channel, String why) {
        bindings.remove(channel);
        channel.eventLoop().execute(() -> {
            log.debug("{} closing: {}", channel, why);
            channel.close();
        });
    }
}
