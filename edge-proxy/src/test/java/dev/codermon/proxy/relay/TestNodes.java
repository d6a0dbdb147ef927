package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.RelayCertificateFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ForkJoinPool;

/** A nodes table for relay tests, as node agents would publish it. */
public final class TestNodes {

    private TestNodes() {
    }

    /**
     * Returns a table read anew each time: every node of {@code tlsDirs}, with the certificate in its TLS
     * directory (null: none published) and the address 127.0.0.1:1 (tests that give the relay's address
     * themselves).
     */
    public static NodeDirectory table(Map<String, Path> tlsDirs) {
        return () -> records(null, tlsDirs);
    }

    /**
     * Returns a table read anew each time that holds a node of {@code tlsDirs} once {@code addresses} gives
     * its relay address (it joined then), with the certificate in its TLS directory (null: none published).
     */
    public static NodeDirectory joined(Map<String, String> addresses, Map<String, Path> tlsDirs) {
        return () -> records(addresses, tlsDirs);
    }

    private static List<NodeRecord> records(Map<String, String> addresses, Map<String, Path> tlsDirs) {
        List<NodeRecord> out = new ArrayList<>();
        new TreeMap<>(tlsDirs).forEach((id, tls) -> {
            String address = addresses == null ? "127.0.0.1:1" : addresses.get(id);
            if (address != null) {
                out.add(new NodeRecord(id, address, 5, Instant.now(), false,
                        tls == null ? null : RelayCertificateFile.in(tls).get()));
            }
        });
        return out;
    }

    /** Returns the check of peers' certificates against the table, reading it again off the event loop. */
    static PeerCheck check(NodeDirectory table) {
        return new PeerCheck(NodeAddressBook.following(table), ForkJoinPool.commonPool());
    }
}
