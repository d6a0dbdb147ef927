package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class NodeAddressBookTest {

    private final List<NodeRecord> table = new CopyOnWriteArrayList<>();
    private final AtomicBoolean down = new AtomicBoolean();
    private final NodeDirectory directory = () -> {
        if (down.get()) {
            throw new RouteStoreException("store down", null);
        }
        return List.copyOf(table);
    };

    private static NodeRecord node(String id, String address, boolean lost) {
        return new NodeRecord(id, address, 5, Instant.EPOCH, lost);
    }

    @Test
    void everyNodeKnownBeforeAnOutageIsKnownDuringItEvenIfNeverAskedFor() {
        table.add(node("n2", "10.0.0.2:5003", false));
        table.add(node("n3", "10.0.0.3:5003", false));
        NodeAddressBook book = NodeAddressBook.following(directory);

        down.set(true);
        book.refresh();

        assertEquals(Optional.of("10.0.0.3:5003"), book.apply("n3"), "never asked for before the outage");
        assertEquals(Optional.of("10.0.0.2:5003"), book.apply("n2"));
        assertEquals(Optional.empty(), book.apply("n9"), "unknown, and the store cannot say");
    }

    @Test
    void aNewNodeIsReadAtOnceAndALostOneHasNoAddress() {
        table.add(node("n2", "10.0.0.2:5003", true));
        NodeAddressBook book = NodeAddressBook.following(directory);
        assertEquals(Optional.empty(), book.apply("n2"), "lost");

        table.add(node("n4", "10.0.0.4:5003", false));
        assertEquals(Optional.of("10.0.0.4:5003"), book.apply("n4"), "joined after the last read");
    }
}
