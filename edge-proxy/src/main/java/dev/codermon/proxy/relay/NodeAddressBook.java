package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows every node's relay address from the store's nodes table, read whole at start and every
 * {@link #EVERY} after, so that a store outage never cuts a proxy off other nodes: a failed read keeps what
 * was known, and a node never asked about before the outage is known too. A node not in the book (it just
 * joined) is read at once. Lost nodes have no address.
 */
final class NodeAddressBook implements Function<String, Optional<String>> {

    static final Duration EVERY = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(NodeAddressBook.class);

    private final NodeDirectory directory;
    private volatile Map<String, String> addresses = Map.of();
    private boolean failing;

    private NodeAddressBook(NodeDirectory directory) {
        this.directory = directory;
    }

    /** Reads the table now (if it can) and then every {@link #EVERY} on a daemon thread of its own. */
    static NodeAddressBook following(NodeDirectory directory) {
        NodeAddressBook book = new NodeAddressBook(directory);
        book.refresh();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "relay-addresses");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(book::refresh, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return book;
    }

    @Override
    public Optional<String> apply(String node) {
        String known = addresses.get(node);
        if (known != null) {
            return Optional.of(known);
        }
        refresh();
        return Optional.ofNullable(addresses.get(node));
    }

    synchronized void refresh() {
        try {
            Map<String, String> read = new HashMap<>();
            for (NodeRecord n : directory.nodes()) {
                if (!n.lost()) {
                    read.put(n.id(), n.relayAddress());
                }
            }
            addresses = Map.copyOf(read);
            if (failing) {
                failing = false;
                log.info("nodes table readable again; {} relay addresses", read.size());
            }
        } catch (RouteStoreException e) {
            if (!failing) {
                failing = true;
                log.warn("cannot read the nodes table; keeping the {} relay addresses known: {}", addresses.size(),
                        e.getMessage());
            }
        }
    }
}
