package dev.codermon.proxy.upstream;

import dev.codermon.auth.route.Route;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Keeps idle keep-alive connections to upstreams of one event loop, for later client connections on
 * that loop to reuse. Connections are keyed by workspace, socket path and node, so that a connection opened
 * for one workspace is never handed to another, even if a path were reused. At most
 * {@code maxIdlePerKey} wait per key; one idle longer than the idle timeout is closed.
 *
 * <p>Used only on its event loop, like the channels it holds: no locks. A connection is in the pool
 * only while no client uses it; checking one out removes it, so two clients never share one.
 */
final class UpstreamPool {

    /** What a pooled connection may be reused for. */
    record Key(String workspaceId, String socketPath, String nodeId) {

        static Key of(Route route) {
            return new Key(route.workspaceId(), route.upstreamSocket(), route.nodeId());
        }

        /** Returns whether the route leads to this upstream socket of this workspace on the same node. */
        boolean leadsTo(Route route) {
            return workspaceId.equals(route.workspaceId()) && socketPath.equals(route.upstreamSocket())
                    && Objects.equals(nodeId, route.nodeId());
        }
    }

    private record Idle(Channel channel, long sinceNanos) {
    }

    private final EventLoop loop;
    private final int maxIdlePerKey;
    private final long idleTimeoutNanos;
    private final Map<Key, ArrayDeque<Idle>> idle = new HashMap<>();
    private int idleCount;
    private boolean sweepScheduled;

    UpstreamPool(EventLoop loop, int maxIdlePerKey, long idleTimeoutNanos) {
        this.loop = loop;
        this.maxIdlePerKey = maxIdlePerKey;
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    /** Takes an open idle connection for the key (the most recently used), or returns null. */
    Channel acquire(Key key) {
        ArrayDeque<Idle> waiting = idle.get(key);
        if (waiting == null) {
            return null;
        }
        Idle entry;
        while ((entry = waiting.pollLast()) != null) {
            idleCount--;
            if (entry.channel().isActive()) {
                return entry.channel();
            }
            entry.channel().close();
        }
        return null;
    }

    /**
     * Offers a connection that has finished its last exchange and may carry another.
     *
     * @return whether the pool took it; if not, the caller closes it
     */
    boolean release(Key key, Channel channel) {
        if (!channel.isActive() || channel.eventLoop() != loop || maxIdlePerKey <= 0) {
            return false;
        }
        ArrayDeque<Idle> waiting = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (waiting.size() >= maxIdlePerKey) {
            return false;
        }
        waiting.addLast(new Idle(channel, System.nanoTime()));
        idleCount++;
        if (!sweepScheduled) {
            sweepScheduled = true;
            loop.schedule(this::sweep, idleTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    /** Forgets an idle connection that closed (the upstream hung up, or it failed). */
    void remove(Key key, Channel channel) {
        ArrayDeque<Idle> waiting = idle.get(key);
        if (waiting != null && waiting.removeIf(entry -> entry.channel() == channel)) {
            idleCount--;
        }
    }

    private void sweep() {
        sweepScheduled = false;
        long now = System.nanoTime();
        Iterator<ArrayDeque<Idle>> keys = idle.values().iterator();
        while (keys.hasNext()) {
            ArrayDeque<Idle> waiting = keys.next();
            Idle oldest;
            // Oldest first: the deque is in release order.
            while ((oldest = waiting.peekFirst()) != null && now - oldest.sinceNanos() >= idleTimeoutNanos) {
                waiting.pollFirst();
                idleCount--;
                oldest.channel().close();
            }
            if (waiting.isEmpty()) {
                keys.remove();
            }
        }
        if (idleCount > 0) {
            sweepScheduled = true;
            loop.schedule(this::sweep, Math.max(idleTimeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(100)),
                    TimeUnit.NANOSECONDS);
        }
    }
}
