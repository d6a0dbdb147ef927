package dev.codermon.proxy.relay;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Finds other nodes' relay addresses ({@code host:port}) through a function that may block (the store's
 * nodes table), on an executor of its own, and re-reads each known one after a short while. An unknown
 * node is not kept, so that a node that just joined is found at once; a known address stays while the
 * store cannot be read (a failed re-read keeps it), so that a store outage never cuts a proxy off other
 * nodes' workspaces.
 */
final class RelayAddresses {

    static final Duration KEEP = Duration.ofSeconds(10);

    private final AsyncLoadingCache<String, InetSocketAddress> cache;

    RelayAddresses(Function<String, Optional<String>> addresses, Executor executor) {
        this(addresses, executor, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    RelayAddresses(Function<String, Optional<String>> addresses, Executor executor,
            com.github.benmanes.caffeine.cache.Ticker ticker) {
        this.cache = Caffeine.newBuilder()
                .executor(executor)
                .ticker(ticker)
                .maximumSize(4096)
                .refreshAfterWrite(KEEP)
                .buildAsync(node -> addresses.apply(node).map(RelayAddresses::parse).orElse(null));
    }

    /** Returns the node's relay address, or empty if the store knows none; fails if it cannot be read. */
    CompletableFuture<Optional<InetSocketAddress>> lookup(String node) {
        return cache.get(node).thenApply(Optional::ofNullable);
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port}, resolving the host (on the caller's thread).
     *
     * @throws IllegalArgumentException if it is not one
     */
    static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("relay address must be host:port, was '" + address + "'");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("relay address must end in a port 1-65535, was '" + address + "'");
        }
        return new InetSocketAddress(host, port);
    }
}
