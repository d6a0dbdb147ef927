package dev.codermon.proxy.relay;

import dev.codermon.auth.CodermonHome;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Holds Codermon's cluster CA (EC P-256, ten years; {@code ca.crt}, and {@code ca.key} owner-only), which
 * issues each node's relay certificate: its subject and only DNS name are the node id, and it is good for
 * both TLS server auth (the node's relay) and client auth (the node's proxy connecting to other relays).
 * This CA is another than the proxy's local CA for https workspace hosts, which users trust.
 */
public final class ClusterCa {

    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String NODE_CERT = dev.codermon.auth.route.RelayCertificateFile.NAME;
    public static final String NODE_KEY = "node.key";
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration NODE_VALIDITY = Duration.ofDays(397);
    private static final Duration BACKDATE = Duration.ofHours(1);

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private ClusterCa(X509Certificate certificate, PrivateKey key, Clock clock) {
        this.certificate = certificate;
        this.key = key;
        this.clock = clock;
    }

    /** Loads the CA in the directory, creating it first if the directory holds none. */
    public static ClusterCa loadOrCreate(Path dir, Clock clock) {
        Path certFile = dir.resolve(CA_CERT);
        Path keyFile = dir.resolve(CA_KEY);
        if (!Files.exists(keyFile)) {
            KeyPair pair = newKeyPair();
            Instant now = clock.instant();
            X500Name name = new X500Name("CN=Codermon cluster CA " + Long.toHexString(now.toEpochMilli())
                    + ",O=Codermon");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic());
            try {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                        .addExtension(Extension.subjectKeyIdentifier, false,
                                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
            } catch (CertIOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot create the cluster CA: " + e.getMessage(), e);
            }
            // Key first: whoever wins the key file also writes the certificate.
            if (CodermonHome.writeNewFile(keyFile, PemFiles.pem(pair.getPrivate()), PemFiles.SECRET)) {
                CodermonHome.writeNewFile(certFile, PemFiles.pem(sign(builder, pair.getPrivate())), PemFiles.PUBLIC);
            }
        }
        if (!Files.exists(certFile)) {
            throw new IllegalStateException(dir + " holds " + CA_KEY + " but no " + CA_CERT + ": restore it or move the"
                    + " key away to create a new cluster CA (then issue every node's certificate again)");
        }
        return new ClusterCa(PemFiles.readCertificate(certFile), PemFiles.readKey(keyFile), clock);
    }

    /** Returns the CA's certificate, which every node trusts. */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Issues a new key and certificate for the node and writes {@value #NODE_CERT}, {@value #NODE_KEY}
     * (0600) and the CA's {@value #CA_CERT} into the directory: what {@code CODERMON_RELAY_TLS_DIR} holds.
     */
    public void issueNode(String nodeId, Path outDir) {
        NodeId.parse("--node", nodeId);
        KeyPair pair = newKeyPair();
        PemFiles.replace(outDir.resolve(NODE_KEY), PemFiles.pem(pair.getPrivate()), PemFiles.SECRET);
        PemFiles.replace(outDir.resolve(NODE_CERT), PemFiles.pem(nodeCertificate(nodeId, pair)), PemFiles.PUBLIC);
        PemFiles.replace(outDir.resolve(CA_CERT), PemFiles.pem(certificate), PemFiles.PUBLIC);
    }

    X509Certificate nodeCertificate(String nodeId, KeyPair pair) {
        Instant now = clock.instant();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(random),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(NODE_VALIDITY)),
                new X500Name("CN=" + nodeId + ",O=Codermon cluster node"), pair.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.dNSName, nodeId)))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for node " + nodeId + ": " + e.getMessage(), e);
        }
        return sign(builder, key);
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key generator: " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signingKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
        }
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }
}
