package dev.codermon.proxy.tls;

import static dev.codermon.proxy.tls.CertificateAuthority.BACKDATE;
import static dev.codermon.proxy.tls.CertificateAuthority.CA_VALIDITY;
import static dev.codermon.proxy.tls.CertificateAuthority.CERT_FILE;
import static dev.codermon.proxy.tls.CertificateAuthority.KEY_FILE;
import static dev.codermon.proxy.tls.CertificateAuthority.nameConstraints;
import static dev.codermon.proxy.tls.CertificateAuthority.newKeyPair;
import static dev.codermon.proxy.tls.CertificateAuthority.serial;
import static dev.codermon.proxy.tls.CertificateAuthority.sign;

import dev.codermon.auth.CodermonHome;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes, reads and moves aside the local CA's files ({@code ca.crt}, {@code ca.key}) for {@link CertificateAuthority}. */
final class CaFiles {

    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);
    private static final DateTimeFormatter RETIRED_SUFFIX =
            DateTimeFormatter.ofPattern("'.old-'yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private CaFiles() {
    }

    static void create(Path certFile, Path keyFile, String domain, Clock clock) {
        KeyPair pair = newKeyPair();
        Instant now = clock.instant();
        X500Name name = new X500Name("CN=Codermon local CA for " + domain + " " + Long.toHexString(now.toEpochMilli())
                + ",O=Codermon");
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.nameConstraints, true, nameConstraints(domain))
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

    /**
     * Moves an unsuitable CA aside, certificate first: a crash in between leaves a key without a
     * certificate, which the next start reports, never a new key written beside the old certificate.
     */
    static void retire(Path certFile, Path keyFile, String domain, Instant now) {
        String suffix = RETIRED_SUFFIX.format(now);
        Path oldCert = certFile.resolveSibling(CERT_FILE + suffix);
        try {
            moveIfPresent(certFile, oldCert);
            moveIfPresent(keyFile, keyFile.resolveSibling(KEY_FILE + suffix));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the unconstrained local CA in " + certFile.getParent()
                    + " aside: " + e.getMessage(), e);
        }
        log.warn("the local CA in {} was not constrained to the workspace domain {}: it is kept as {} and a new,"
                + " constrained CA replaces it. Browsers and systems that trusted the old one must now trust the new {}"
                + " (and may drop the old one)", certFile.getParent(), domain, oldCert.getFileName(), certFile);
    }

    private static void moveIfPresent(Path from, Path to) throws IOException {
        try {
            Files.move(from, to);
        } catch (NoSuchFileException raced) {
            // Another process starting on the same directory moved it first.
        }
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

    static Object readPem(Path file) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
            return parser.readObject();
        }
    }
}
