package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.RelayCertificateFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node agent's reading of its node's relay certificate, as the cluster CA writes it. */
class RelayCertificateFileTest {

    @TempDir
    Path dir;

    @Test
    void the_fingerprint_is_the_certificates_and_follows_a_certificate_issued_again() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        ca.issueNode("n2", dir.resolve("n2"));
        RelayCertificateFile file = RelayCertificateFile.in(dir.resolve("n2"));
        String first = file.get();
        assertEquals(NodeRecord.fingerprint(PemFiles.readCertificate(dir.resolve("n2/node.crt"))), first);
        assertTrue(first.matches("[0-9a-f]{64}"), first);

        ca.issueNode("n2", dir.resolve("n2"));
        String again = file.get();
        assertNotEquals(first, again, "issued again");
        assertEquals(NodeRecord.fingerprint(PemFiles.readCertificate(dir.resolve("n2/node.crt"))), again);

        Files.writeString(dir.resolve("n2/node.crt"), "not a certificate");
        assertEquals(again, file.get(), "a broken file keeps the fingerprint read before");
    }

    @Test
    void a_missing_certificate_stops_the_agent_naming_the_file() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RelayCertificateFile.in(dir.resolve("nowhere")));
        assertTrue(e.getMessage().startsWith("cannot read this node's relay certificate " + dir.resolve("nowhere/node.crt")),
                e.getMessage());
    }
}
