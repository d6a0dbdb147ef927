package dev.codermon.proxy.tls;

import dev.codermon.auth.CodermonHome;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Holds the proxy's local certificate authority (EC P-256, ten years), created in the data directory
 * on first start ({@code ca/ca.crt} public, {@code ca/ca.key} owner-only), and signs short-lived
 * server certificates for workspace hosts with it. Thread-safe.
 */
public final class CertificateAuthority {

    public static final String CERT_FILE = "ca.crt";
    public static final String KEY_FILE = "ca.key";
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration LEAF_VALIDITY = Duration.ofDays(30);
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final String SIGNATURE = "SHA256withECDSA";

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Path certificateFile;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(X509Certificate certificate, PrivateKey key, Path certificateFile, Clock clock) {
        this.certificate = certificate;
        this.key = key;
        this.certificateFile = certificateFile;
        this.clock = clock;
    }

    /**
     * Loads the CA from the directory, creating it there first if it does not exist yet.
     *
     * @throws UncheckedIOException if the files cannot be written or read
     * @throws IllegalStateException if they exist but do not hold a usable CA
     */
    public static CertificateAuthority loadOrCreate(Path dir, Clock clock) {
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (!Files.exists(keyFile)) {
            create(certFile, keyFile, clock);
        }
        return load(certFile, keyFile, clock);
    }

    private static void create(Path certFile, Path keyFile, Clock clock) {
        KeyPair pair = newKeyPair();
        Instant now = clock.instant();
        X500Name name = new X500Name("CN=Codermon local CA " + Long.toHexString(now.toEpochMilli()) + ",O=Codermon");
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate cert = sign(builder, pair.getPrivate());
            // Key first: whoever wins the key file also writes the certificate; a loser reads both.
            if (CodermonHome.writeNewFile(keyFile, pkcs8Pem(pair.getPrivate()), "rw-------")) {
                CodermonHome.writeNewFile(certFile, pem(cert), "rw-r--r--");
            }
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create the local CA: " + e.getMessage(), e);
        }
    }

    private static CertificateAuthority load(Path certFile, Path keyFile, Clock clock) {
        try {
            Object keyObject = readPem(keyFile);
            Object certObject = readPem(certFile);
            PrivateKeyInfo keyInfo = keyObject instanceof PEMKeyPair pemKey ? pemKey.getPrivateKeyInfo()
                    : keyObject instanceof PrivateKeyInfo info ? info : null;
            if (keyInfo == null || !(certObject instanceof X509CertificateHolder holder)) {
                throw new IllegalStateException(certFile.getParent() + " does not hold a CA certificate and key;"
                        + " remove it to have a new CA generated");
            }
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(keyInfo);
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
            return new CertificateAuthority(cert, key, certFile, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local CA in " + certFile.getParent() + ": "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unusable CA certificate " + certFile + ": " + e.getMessage(), e);
        }
    }

    /** Returns the CA certificate users add to their trust store. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Returns the PEM file holding the CA certificate. */
    public Path certificateFile() {
        return certificateFile;
    }

    /** Creates a new key pair for server certificates (EC P-256). */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is not available: " + e.getMessage(), e);
        }
    }

    /**
     * Signs a server certificate for one host name (its only SAN), valid for thirty days.
     * CPU work: callers keep it off event loops.
     */
    public X509Certificate issueServerCertificate(String hostname, PublicKey publicKey) {
        Instant now = clock.instant();
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(random),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(LEAF_VALIDITY)),
                    new X500Name("CN=" + hostname), publicKey);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.dNSName, hostname)))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey));
            return sign(builder, key);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + hostname + ": " + e.getMessage(), e);
        }
    }

    /** Returns the chain to present for a certificate this CA issued. */
    public List<X509Certificate> chain(X509Certificate leaf) {
        return List.of(leaf, certificate);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signingKey)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signingKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Encodes a private key as PKCS#8 PEM, which carries the curve with the key. */
    private static String pkcs8Pem(PrivateKey privateKey) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(privateKey.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    private static Object readPem(Path file) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
            return parser.readObject();
        }
    }
}
