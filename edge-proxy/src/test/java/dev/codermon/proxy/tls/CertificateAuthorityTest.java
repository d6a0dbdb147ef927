package dev.codermon.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPathValidatorException;
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
import java.util.Date;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class CertificateAuthorityTest {

    private static final String DOMAIN = "codermon.internal";
    private static final String HOST = "main.alice.codermon.internal";
    private final Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void first_start_writes_a_public_certificate_and_an_owner_only_key() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), DOMAIN, clock);
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
        CertificateAuthority first = CertificateAuthority.loadOrCreate(dir.resolve("ca"), DOMAIN, clock);
        CertificateAuthority second = CertificateAuthority.loadOrCreate(dir.resolve("ca"), DOMAIN, clock);
        assertEquals(first.certificate(), second.certificate());
    }

    @Test
    void server_certificate_names_only_its_host_is_short_lived_and_chains_to_the_ca() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), DOMAIN, clock);
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
        CertificateAuthority ours = CertificateAuthority.loadOrCreate(dir.resolve("ours"), DOMAIN, clock);
        CertificateAuthority theirs = CertificateAuthority.loadOrCreate(dir.resolve("theirs"), DOMAIN, clock);
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
                () -> CertificateAuthority.loadOrCreate(ca, DOMAIN, clock));
        assertTrue(e.getMessage().contains("remove it"), e.getMessage());
    }

    @Test
    void ca_certificate_permits_only_the_workspace_domain_and_no_intermediate_ca() throws Exception {
        X509Certificate cert = CertificateAuthority.loadOrCreate(dir.resolve("ca"), DOMAIN, clock).certificate();
        assertEquals(0, cert.getBasicConstraints(), "pathLen 0: the CA may sign no further CA");
        assertTrue(cert.getCriticalExtensionOIDs().contains(Extension.basicConstraints.getId()));
        assertTrue(cert.getCriticalExtensionOIDs().contains(Extension.nameConstraints.getId()),
                "name constraints must be critical");
        NameConstraints constraints = NameConstraints.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
                cert.getExtensionValue(Extension.nameConstraints.getId())));
        GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
        assertEquals(1, permitted.length);
        assertEquals(new GeneralName(GeneralName.dNSName, DOMAIN), permitted[0].getBase());
        GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
        assertEquals(2, excluded.length, "every IPv4 and every IPv6 address is excluded");
        for (GeneralSubtree subtree : excluded) {
            assertEquals(GeneralName.iPAddress, subtree.getBase().getTagNo());
        }
    }

    @Test
    void pkix_accepts_a_leaf_in_the_domain_and_rejects_leaves_for_other_names_signed_by_the_same_key()
            throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), DOMAIN, clock);
        validate(ca.certificate(), ca.issueServerCertificate(HOST, CertificateAuthority.newKeyPair().getPublic()));
        validate(ca.certificate(), ca.issueServerCertificate("3000." + HOST,
                CertificateAuthority.newKeyPair().getPublic()));

        // A stolen CA key signs what the CA itself refuses to: clients that check the constraints refuse it.
        PrivateKey stolen = readKey(dir.resolve("ca/ca.key"));
        X509Certificate control = rogueLeaf(ca.certificate(), stolen, new GeneralName(GeneralName.dNSName, HOST));
        validate(ca.certificate(), control);
        for (GeneralName name : new GeneralName[] {new GeneralName(GeneralName.dNSName, "example.com"),
            new GeneralName(GeneralName.dNSName, "codermon.internal.example.com"),
            new GeneralName(GeneralName.dNSName, "evilcodermon.internal"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
            new GeneralName(GeneralName.iPAddress, "::1")}) {
            X509Certificate rogue = rogueLeaf(ca.certificate(), stolen, name);
            rogue.verify(ca.certificate().getPublicKey());
            assertThrows(CertPathValidatorException.class, () -> validate(ca.certificate(), rogue), name.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "codermon.internal", "codermon.internal.example.com", "evilcodermon.internal",
        "127.0.0.1", "main..codermon.internal", "-x.codermon.internal", "MAIN.alice.codermon.internal"})
    void the_ca_refuses_to_sign_names_outside_the_workspace_domain(String name) {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), DOMAIN, clock);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ca.issueServerCertificate(name, CertificateAuthority.newKeyPair().getPublic()));
        assertTrue(e.getMessage().contains("only names under codermon.internal"), e.getMessage());
    }

    @Test
    void an_unconstrained_ca_from_an_older_install_is_moved_aside_and_replaced() throws Exception {
        Path caDir = dir.resolve("ca");
        X509Certificate old = writeUnconstrainedCa(caDir);
        String oldCertPem = Files.readString(caDir.resolve("ca.crt"));
        String oldKeyPem = Files.readString(caDir.resolve("ca.key"));
        ListAppender<ILoggingEvent> warnings = capture();
        try {
            CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir, DOMAIN, clock);
            assertTrue(!ca.certificate().equals(old), "the unconstrained CA is still in use");
            assertTrue(ca.certificate().getCriticalExtensionOIDs().contains(Extension.nameConstraints.getId()));
            assertEquals(ca.certificate(), CertificateAuthority.loadOrCreate(caDir, DOMAIN, clock).certificate(),
                    "the new CA is kept at the next start");
            assertEquals(oldCertPem, Files.readString(caDir.resolve("ca.crt.old-20300101T000000Z")));
            assertEquals(oldKeyPem, Files.readString(caDir.resolve("ca.key.old-20300101T000000Z")));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    caDir.resolve("ca.key.old-20300101T000000Z"))), "the old key stays owner-only");
            List<ILoggingEvent> warned = warnings.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(1, warned.size(), warned.toString());
            assertTrue(warned.get(0).getFormattedMessage().contains("must now trust the new " + caDir.resolve("ca.crt")),
                    warned.get(0).getFormattedMessage());
        } finally {
            release(warnings);
        }
    }

    @Test
    void a_ca_for_another_domain_is_replaced_by_one_for_this_domain() throws Exception {
        Path caDir = dir.resolve("ca");
        X509Certificate other = CertificateAuthority.loadOrCreate(caDir, "example.internal", clock).certificate();
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir, DOMAIN, clock);
        assertTrue(!ca.certificate().equals(other));
        validate(ca.certificate(), ca.issueServerCertificate(HOST, CertificateAuthority.newKeyPair().getPublic()));
        assertTrue(Files.exists(caDir.resolve("ca.crt.old-20300101T000000Z")));
    }

    /**
     * Validates the leaf with the CA as trust anchor, applying the CA certificate's own name constraints.
     * The JDK's PKIX skips a trust anchor's extensions (and refuses anchor constraints given apart), so
     * the CA certificate also heads the path, where its extensions are processed, as OpenSSL (checked:
     * "permitted subtree violation") and browsers that enforce a root's constraints do.
     */
    private void validate(X509Certificate ca, X509Certificate leaf) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(clock.instant()));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf, ca)), parameters);
    }

    /** Builds a server certificate for any name, signed with the CA's key, as someone holding that key could. */
    private X509Certificate rogueLeaf(X509Certificate ca, PrivateKey caKey, GeneralName name) throws Exception {
        KeyPair leafKey = CertificateAuthority.newKeyPair();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(4242),
                Date.from(clock.instant().minusSeconds(60)), Date.from(clock.instant().plusSeconds(86400)),
                new X500Name("CN=rogue"), leafKey.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(name));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
    }

    /** Writes a CA as installs before the name constraints made it: pathLen 0, any name. */
    private X509Certificate writeUnconstrainedCa(Path caDir) throws Exception {
        KeyPair pair = CertificateAuthority.newKeyPair();
        X500Name name = new X500Name("CN=Codermon local CA 1,O=Codermon");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(clock.instant().minusSeconds(3600)), Date.from(clock.instant().plusSeconds(86400 * 365L)),
                name, pair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        Files.createDirectories(caDir);
        java.io.StringWriter pem = new java.io.StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(cert);
        }
        Files.writeString(caDir.resolve("ca.crt"), pem.toString());
        Path key = caDir.resolve("ca.key");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        return cert;
    }

    private static PrivateKey readKey(Path file) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
            return new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
        }
    }

    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(CertificateAuthority.class)).addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(CertificateAuthority.class)).detachAppender(appender);
    }
}
