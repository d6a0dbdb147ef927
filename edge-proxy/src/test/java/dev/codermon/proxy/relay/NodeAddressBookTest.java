package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

        assertEquals(Optional.of("10.0.0.3:5003"), book.relayAddress("n3"), "never asked for before the outage");
        assertEquals(Optional.of("10.0.0.2:5003"), book.relayAddress("n2"));
        assertEquals(Optional.empty(), book.relayAddress("n9"), "unknown, and the store cannot say");
    }

    @Test
    void aNewNodeIsReadAtOnceAndALostOneHasNoAddress() {
        table.add(node("n2", "10.0.0.2:5003", true));
        NodeAddressBook book = NodeAddressBook.following(directory);
        assertEquals(Optional.empty(), book.relayAddress("n2"), "lost");

        table.add(node("n4", "10.0.0.4:5003", false));
        assertEquals(Optional.of("10.0.0.4:5003"), book.relayAddress("n4"), "joined after the last read");

        table.set(0, node("n2", "10.0.0.2:5003", false));
        assertEquals(Optional.of("10.0.0.2:5003"), book.relayAddress("n2"),
                "reports again after the last read: found at once, not at the next period");
    }

    private static NodeRecord published(String id, boolean lost, String certificate) {
        return new NodeRecord(id, "10.0.0.9:5003", 5, Instant.EPOCH, lost, certificate);
    }

    @Test
    void onlyTheCertificateANodePublishedMakesAPeerAndALostNodeStaysOne() {
        table.add(published("n2", false, "aa"));
        table.add(published("n3", true, "cc"));
        table.add(published("n4", false, null));
        NodeAddressBook book = NodeAddressBook.following(directory);

        assertNull(book.refusal("n2", "aa"));
        assertNull(book.refusal("n3", "cc"), "a lost node's agent stopped; its proxy may still serve users");
        assertEquals("its certificate is not the one node n2 published (issued again since, or no longer valid)",
                book.refusal("n2", "bb"));
        assertEquals("node n4 has published no relay certificate (its node agent publishes it at every heartbeat)",
                book.refusal("n4", "dd"));
        assertEquals("node n9 is not in the cluster's nodes table", book.refusal("n9", "aa"));
    }

    @Test
    void anUnknownCertificateReadsTheTableAgainButNotMoreThanOnceASecondAndAnOutageKeepsWhatWasKnown()
            throws Exception {
        table.add(published("n2", false, "aa"));
        AtomicLong now = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        NodeAddressBook book = new NodeAddressBook(() -> {
            reads.incrementAndGet();
            return directory.nodes();
        }, now::get);
        book.refresh();
        now.addAndGet(NodeAddressBook.REREAD_AFTER.toNanos());

        table.set(0, published("n2", false, "bb")); // issued again
        assertNotNull(book.refusal("n2", "bb"), "not read yet");
        assertNull(book.refusalAfterReading("n2", "bb"));
        assertEquals(2, reads.get());
        assertNotNull(book.refusal("n2", "aa"), "the old one is worthless once read");

        down.set(true);
        now.addAndGet(NodeAddressBook.REREAD_AFTER.toNanos());
        assertEquals("cannot read the cluster's nodes table to check node n2's certificate",
                book.refusalAfterReading("n2", "cc"));
        assertNull(book.refusal("n2", "bb"), "a failed read keeps what was known");
        assertEquals(Optional.of("10.0.0.9:5003"), book.relayAddress("n2"));
    }
}
