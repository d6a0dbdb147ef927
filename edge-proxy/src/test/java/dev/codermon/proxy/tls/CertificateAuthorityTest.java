package dev.codermon.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SignatureException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    private static final String HOST = "main.alice.codermon.internal";
    private final Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void first_start_writes_a_public_certificate_and_an_owner_only_key() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), clock);
        Path key = dir.resolve("ca/ca.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(dir.resolve("ca/ca.crt"), ca.certificateFile());
        assertTrue(Files.readString(ca.certificateFile()).startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(Files.readString(key).contains("PRIVATE KEY"));
        X509Certificate cert = ca.certificate();
        assertTrue(cert.getBasicConstraints() >= 0, "not a CA certificate");
        assertTrue(cert.getKeyUsage()[5], "CA cannot sign certificates");
        Duration validity = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertTrue(validity.toDays() >= 3650, "CA validity " + validity);
    }

    @Test
    void a_restart_loads_the_same_ca() {
        CertificateAuthority first = CertificateAuthority.loadOrCreate(dir.resolve("ca"), clock);
        CertificateAuthority second = CertificateAuthority.loadOrCreate(dir.resolve("ca"), clock);
        assertEquals(first.certificate(), second.certificate());
    }

    @Test
    void server_certificate_names_only_its_host_is_short_lived_and_chains_to_the_ca() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), clock);
        KeyPair key = CertificateAuthority.newKeyPair();
        X509Certificate leaf = ca.issueServerCertificate(HOST, key.getPublic());

        Collection<List<?>> names = leaf.getSubjectAlternativeNames();
        assertEquals(1, names.size());
        List<?> san = names.iterator().next();
        assertEquals(2, san.get(0)); // dNSName
        assertEquals(HOST, san.get(1));
        assertEquals(-1, leaf.getBasicConstraints(), "a server certificate must not be a CA");
        assertTrue(leaf.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "not for TLS servers");
        assertTrue(leaf.getNotAfter().toInstant().isAfter(clock.instant().plus(Duration.ofDays(29))));
        assertTrue(leaf.getNotAfter().toInstant().isBefore(clock.instant().plus(Duration.ofDays(31))));
        leaf.checkValidity(java.util.Date.from(clock.instant()));

        leaf.verify(ca.certificate().getPublicKey());
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(java.util.Date.from(clock.instant()));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }

    @Test
    void a_certificate_from_another_ca_does_not_verify() throws Exception {
        CertificateAuthority ours = CertificateAuthority.loadOrCreate(dir.resolve("ours"), clock);
        CertificateAuthority theirs = CertificateAuthority.loadOrCreate(dir.resolve("theirs"), clock);
        X509Certificate leaf = theirs.issueServerCertificate(HOST, CertificateAuthority.newKeyPair().getPublic());
        assertThrows(SignatureException.class, () -> leaf.verify(ours.certificate().getPublicKey()));
    }

    @Test
    void a_damaged_ca_directory_is_reported() throws Exception {
        Path ca = dir.resolve("ca");
        Files.createDirectories(ca);
        Files.writeString(ca.resolve("ca.key"), "not a key");
        Files.writeString(ca.resolve("ca.crt"), "not a certificate");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CertificateAuthority.loadOrCreate(ca, clock));
        assertTrue(e.getMessage().contains("remove it"), e.getMessage());
    }
}
