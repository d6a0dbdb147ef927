package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCertificatesTest {

    @TempDir
    Path dir;

    @Test
    void a_node_certificate_names_its_node_and_serves_both_tls_roles() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        ca.issueNode("n2", dir.resolve("n2"));
        X509Certificate cert = PemFiles.readCertificate(dir.resolve("n2/node.crt"));
        assertEquals("n2", NodeId.of(cert));
        assertTrue(cert.getSubjectX500Principal().getName().contains("CN=n2"));
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
        assertEquals(-1, cert.getBasicConstraints(), "a node certificate is no CA");
        cert.verify(ca.certificate().getPublicKey());
        assertEquals(ca.certificate(), PemFiles.readCertificate(dir.resolve("n2/ca.crt")));
        for (Path secret : List.of(dir.resolve("ca/ca.key"), dir.resolve("n2/node.key"))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)), secret.toString());
        }
    }

    @Test
    void the_relay_speaks_tls_by_boringssl_here() {
        // netty-tcnative ships BoringSSL for linux-x86_64: if it stopped loading, every relay hop would
        // quietly cost the JDK engine's price again.
        assertTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), () -> "netty-tcnative does not load: "
                + io.netty.handler.ssl.OpenSsl.unavailabilityCause());
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        ca.issueNode("n2", dir.resolve("n2"));
        RelayTls tls = RelayTls.load(dir.resolve("n2"), "n2");
        assertEquals(io.netty.handler.ssl.SslProvider.OPENSSL, RelayTls.provider());
        assertTrue(tls.server() instanceof io.netty.handler.ssl.OpenSslContext, tls.server().getClass().getName());
        assertTrue(tls.client() instanceof io.netty.handler.ssl.OpenSslContext, tls.client().getClass().getName());
    }

    @Test
    void the_cluster_ca_is_created_once_and_then_reused() {
        X509Certificate first = ClusterCa.loadOrCreate(dir, Clock.systemUTC()).certificate();
        X509Certificate again = ClusterCa.loadOrCreate(dir, Clock.systemUTC()).certificate();
        assertEquals(first, again);
        assertEquals(0, first.getBasicConstraints());
    }

    @Test
    void a_certificate_of_another_ca_does_not_verify() throws Exception {
        ClusterCa ours = ClusterCa.loadOrCreate(dir.resolve("ours"), Clock.systemUTC());
        ClusterCa other = ClusterCa.loadOrCreate(dir.resolve("other"), Clock.systemUTC());
        other.issueNode("n1", dir.resolve("rogue"));
        X509Certificate rogue = PemFiles.readCertificate(dir.resolve("rogue/node.crt"));
        assertThrows(SignatureException.class, () -> rogue.verify(ours.certificate().getPublicKey()));
    }

    @Test
    void relay_tls_refuses_a_directory_for_another_node_or_from_another_ca() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        ca.issueNode("n1", dir.resolve("n1"));
        IllegalArgumentException otherNode = assertThrows(IllegalArgumentException.class,
                () -> RelayTls.load(dir.resolve("n1"), "n2"));
        assertTrue(otherNode.getMessage().contains("names node n1, but CODERMON_NODE_ID is n2"), otherNode.getMessage());

        ClusterCa.loadOrCreate(dir.resolve("other"), Clock.systemUTC());
        Files.copy(dir.resolve("other/ca.crt"), dir.resolve("n1/ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException otherCa = assertThrows(IllegalArgumentException.class,
                () -> RelayTls.load(dir.resolve("n1"), "n1"));
        assertTrue(otherCa.getMessage().contains("was not issued by the cluster CA"), otherCa.getMessage());

        Files.copy(dir.resolve("ca/ca.crt"), dir.resolve("n1/ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ca.issueNode("n1", dir.resolve("n1-again"));
        Files.copy(dir.resolve("n1-again/node.key"), dir.resolve("n1/node.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException otherKey = assertThrows(IllegalArgumentException.class,
                () -> RelayTls.load(dir.resolve("n1"), "n1"));
        assertTrue(otherKey.getMessage().contains("node.key is not the key of"), otherKey.getMessage());

        Files.delete(dir.resolve("n1/node.key"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RelayTls.load(dir.resolve("n1"), "n1"));
        assertTrue(missing.getMessage().contains("has no node.key"), missing.getMessage());
    }

    @Test
    void node_ids_are_dns_labels() {
        assertTrue(NodeId.isValid("n2"));
        assertTrue(NodeId.isValid("eu-west-1a"));
        for (String bad : new String[] {null, "", "N2", "-n2", "n2-", "n2.example", "n 2", "a".repeat(64)}) {
            assertFalse(NodeId.isValid(bad), String.valueOf(bad));
        }
        assertThrows(IllegalArgumentException.class,
                () -> ClusterCa.loadOrCreate(dir, Clock.systemUTC()).issueNode("N2", dir.resolve("x")));
        assertNull(NodeId.of(ClusterCa.loadOrCreate(dir, Clock.systemUTC()).certificate()));
    }

    @Test
    void relay_settings_need_a_node_id_and_a_tls_directory() throws Exception {
        assertNull(RelaySettings.parse("", "", "", ""));
        assertThrows(IllegalArgumentException.class, () -> RelaySettings.parse("", "", "5003", ""));
        assertThrows(IllegalArgumentException.class, () -> RelaySettings.parse("n1", "", "", ""));
        assertThrows(IllegalArgumentException.class, () -> RelaySettings.parse("n1", "", "x", dir.toString()));
        assertThrows(IllegalArgumentException.class, () -> RelaySettings.parse("n1", "", "", dir.resolve("no").toString()));
        RelaySettings settings = RelaySettings.parse("n1", "", "", dir.toString());
        assertEquals(new RelaySettings("n1", "0.0.0.0", 5003, dir), settings);
    }

    @Test
    void the_command_line_tool_creates_the_ca_and_issues_a_node() {
        int code = new picocli.CommandLine(new NodeCertificatesMain()).execute("--ca-dir", dir.resolve("ca").toString(),
                "--node", "n3", "--out", dir.resolve("n3").toString());
        assertEquals(0, code);
        assertEquals("n3", NodeId.of(PemFiles.readCertificate(dir.resolve("n3/node.crt"))));
        assertEquals(2, new picocli.CommandLine(new NodeCertificatesMain()).execute("--ca-dir",
                dir.resolve("ca").toString(), "--node", "Bad_Node", "--out", dir.resolve("bad").toString()));
    }
}
