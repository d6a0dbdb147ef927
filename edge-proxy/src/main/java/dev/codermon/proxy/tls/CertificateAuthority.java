package dev.codermon.proxy.tls;

import dev.codermon.auth.WorkspaceDomain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
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
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the proxy's local certificate authority (EC P-256, ten years), created in the data directory
 * on first start ({@code ca/ca.crt} public, {@code ca/ca.key} owner-only), and signs short-lived
 * server certificates for workspace hosts with it. Thread-safe.
 *
 * <p>Users trust this CA system-wide, so it is constrained to the workspace domain: a critical
 * NameConstraints extension permits only the domain's DNS subtree and excludes every IP address, and
 * basic constraints allow no intermediate CA (pathLen 0). Clients that enforce a trusted root's name
 * constraints (OpenSSL does; the JDK's TLS trust managers do not) then refuse any certificate signed
 * with its key for another name, even with a stolen key; the CA itself refuses to sign such names. A CA
 * on disk without exactly these constraints (an older install, or another domain) is moved aside and
 * replaced at start.
 */
final class CertificateAuthority {

    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);

    public static final String CERT_FILE = "ca.crt";
    public static final String KEY_FILE = "ca.key";
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration LEAF_VALIDITY = Duration.ofDays(30);
    static final Duration BACKDATE = Duration.ofHours(1);
    private static final String SIGNATURE = "SHA256withECDSA";

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Path certificateFile;
    private final WorkspaceDomain domain;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(X509Certificate certificate, PrivateKey key, Path certificateFile, String domain,
            Clock clock) {
        this.certificate = certificate;
        this.key = key;
        this.certificateFile = certificateFile;
        this.domain = WorkspaceDomain.parse("workspace domain", domain);
        this.clock = clock;
    }

    /**
     * Loads the CA from the directory, creating it there first if it does not exist yet, or replacing it
     * if it is not constrained to exactly this domain (its files are kept as {@code ca.crt.old-<time>}
     * and {@code ca.key.old-<time>}).
     *
     * @param domain the workspace domain, lower case (validated by the proxy's config)
     * @throws UncheckedIOException if the files cannot be written, read or moved aside
     * @throws IllegalStateException if they exist but do not hold a usable CA
     */
    public static CertificateAuthority loadOrCreate(Path dir, String domain, Clock clock) {
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(keyFile)) {
            CertificateAuthority existing = load(certFile, keyFile, domain, clock);
            if (existing.isConstrainedTo(domain)) {
                return existing;
            }
            CaFiles.retire(certFile, keyFile, domain, clock.instant());
        }
        CaFiles.create(certFile, keyFile, domain, clock);
        return load(certFile, keyFile, domain, clock);
    }

    /** Returns the name constraints a CA for this domain carries: its DNS subtree only, no IP address. */
    static NameConstraints nameConstraints(String domain) {
        GeneralSubtree[] permitted = {new GeneralSubtree(new GeneralName(GeneralName.dNSName, domain))};
        // Address and mask all zero: every IPv4 address, every IPv6 address.
        GeneralSubtree[] excluded = {
            new GeneralSubtree(new GeneralName(GeneralName.iPAddress, new DEROctetString(new byte[8]))),
            new GeneralSubtree(new GeneralName(GeneralName.iPAddress, new DEROctetString(new byte[32])))};
        return new NameConstraints(permitted, excluded);
    }

    /** Returns whether the certificate carries exactly this domain's critical name constraints and pathLen 0. */
    private boolean isConstrainedTo(String domain) {
        byte[] value = certificate.getExtensionValue(Extension.nameConstraints.getId());
        if (value == null || certificate.getBasicConstraints() != 0
                || !certificate.getCriticalExtensionOIDs().contains(Extension.nameConstraints.getId())) {
            return false;
        }
        try {
            NameConstraints found = NameConstraints.getInstance(JcaX509ExtensionUtils.parseExtensionValue(value));
            return Arrays.equals(found.getEncoded(), nameConstraints(domain).getEncoded());
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static CertificateAuthority load(Path certFile, Path keyFile, String domain, Clock clock) {
        try {
            Object keyObject = CaFiles.readPem(keyFile);
            Object certObject = CaFiles.readPem(certFile);
            PrivateKeyInfo keyInfo = keyObject instanceof PEMKeyPair pemKey ? pemKey.getPrivateKeyInfo()
                    : keyObject instanceof PrivateKeyInfo info ? info : null;
            if (keyInfo == null || !(certObject instanceof X509CertificateHolder holder)) {
                throw new IllegalStateException(certFile.getParent() + " does not hold a CA certificate and key;"
                        + " remove it to have a new CA generated");
            }
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(keyInfo);
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
            return new CertificateAuthority(cert, key, certFile, domain, clock);
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
     * Signs a server certificate for one host name under the workspace domain (its only SAN), valid for
     * thirty days. CPU work: callers keep it off event loops.
     *
     * @throws IllegalArgumentException if the name is not a DNS name below the workspace domain
     */
    public X509Certificate issueServerCertificate(String hostname, PublicKey publicKey) {
        if (!domain.contains(hostname)) {
            throw new IllegalArgumentException("the local CA signs only names under " + domain.name()
                    + ", not " + hostname);
        }
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

    static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signingKey)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signingKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

}
