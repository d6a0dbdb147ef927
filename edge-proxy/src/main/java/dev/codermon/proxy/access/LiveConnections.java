package dev.codermon.proxy.access;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteStoreException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows, for every open client connection that reached a workspace, whose credentials and which
 * workspace its latest request used, so that revoking a user or removing a route can close its live
 * tunnels and WebSockets. Connections bind and unbind on their own event loop; closing is scheduled
 * on each connection's event loop. Thread-safe.
 */
public final class LiveConnections {

    private static final Logger log = LoggerFactory.getLogger(LiveConnections.class);

    /** What a connection's latest forwarded request was allowed by. */
    private record Binding(String user, Instant issuedAt, String workspaceId, String hostname) {
    }

    private final Map<Channel, Binding> bindings = new ConcurrentHashMap<>();
    private final ChannelFutureListener unbind = future -> bindings.remove(future.channel());

    /** Records that the connection now carries the principal's traffic to the route's workspace. */
    public void bind(Channel channel, Principal principal, Route route) {
        Binding binding = new Binding(principal.user(), principal.issuedAt(), route.workspaceId(), route.hostname());
        if (bindings.put(channel, binding) == null) {
            channel.closeFuture().addListener(unbind);
        }
    }

    /** Closes every connection whose credentials the revocations now refuse. */
    public void closeRevoked(Revocations revocations) {
        bindings.forEach((channel, binding) -> {
            if (revocations.isRevoked(binding.user(), binding.issuedAt())) {
                close(channel, "credentials revoked");
            }
        });
    }

    /**
     * Closes every connection whose workspace no longer has the route it was bound to, reading each bound
     * hostname once. Only a confirmed answer counts: a failed read leaves the connection alone.
     *
     * @param read reads a hostname's route from the store; may throw {@link RouteStoreException}
     */
    public void closeUnrouted(Function<String, Optional<Route>> read) {
        Map<String, Optional<Route>> known = new HashMap<>();
        bindings.forEach((channel, binding) -> {
            String host = binding.hostname();
            if (!known.containsKey(host)) {
                known.put(host, confirmed(read, host));
            }
            Optional<Route> route = known.get(host);
            if (route == null) {
                return;
            }
            if (route.isEmpty() || !route.get().workspaceId().equals(binding.workspaceId())
                    || !route.get().user().equals(binding.user())) {
                close(channel, "workspace route removed");
            }
        });
    }

    /** Returns the route read, or null if the store could not answer. */
    private static Optional<Route> confirmed(Function<String, Optional<Route>> read, String hostname) {
        try {
            return read.apply(hostname);
        } catch (RouteStoreException e) {
            return null;
        }
    }

    private void close(Channel channel, String why) {
        bindings.remove(channel);
        channel.eventLoop().execute(() -> {
            log.debug("{} closing: {}", channel, why);
            channel.close();
        });
    }
}
