package dev.codermon.proxy.access;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
    private record Binding(String user, String tokenId, Instant issuedAt, String workspaceId, String hostname) {
    }

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

    /** Closes every connection whose credentials the revocations now refuse. */
    public void closeRevoked(Revocations revocations) {
        bindings.forEach((channel, binding) -> {
            if (revocations.isRevoked(binding.user(), binding.tokenId(), binding.issuedAt())) {
                close(channel, "credentials revoked");
            }
        });
    }

    /**
     * Closes every connection whose workspace no longer has the route it was bound to. Only a
     * confirmed answer counts: a pending or failed lookup leaves the connection alone.
     */
    public void closeUnrouted(Function<String, CompletableFuture<Optional<Route>>> lookup) {
        Map<String, Optional<Route>> known = new HashMap<>();
        bindings.forEach((channel, binding) -> {
            Optional<Route> route = known.computeIfAbsent(binding.hostname(), host -> confirmed(lookup.apply(host)));
            if (route == null) {
                return;
            }
            if (route.isEmpty() || !route.get().workspaceId().equals(binding.workspaceId())
                    || !route.get().user().equals(binding.user())) {
                close(channel, "workspace route removed");
            }
        });
    }

    private static Optional<Route> confirmed(CompletableFuture<Optional<Route>> lookup) {
        if (!lookup.isDone() || lookup.isCompletedExceptionally()) {
            return null;
        }
        return lookup.join();
    }

    private void close(Channel channel, String why) {
        bindings.remove(channel);
        channel.eventLoop().execute(() -> {
            log.debug("{} closing: {}", channel, why);
            channel.close();
        });
    }
}
