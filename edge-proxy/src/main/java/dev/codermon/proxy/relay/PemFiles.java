package dev.codermon.proxy.relay;

import dev.codermon.auth.CodermonHome;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** Reads and writes the PEM files of the cluster CA and node certificates; private keys are owner-only (0600). */
final class PemFiles {

    static final String SECRET = "rw-------";
    static final String PUBLIC = "rw-r--r--";

    private PemFiles() {
    }

    static X509Certificate readCertificate(Path file) {
        Object pem = read(file);
        if (!(pem instanceof X509CertificateHolder holder)) {
            throw new IllegalArgumentException(file + " holds no PEM certificate");
        }
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(file + " holds an unreadable certificate: " + e.getMessage(), e);
        }
    }

    static PrivateKey readKey(Path file) {
        Object pem = read(file);
        if (!(pem instanceof PrivateKeyInfo info)) {
            throw new IllegalArgumentException(file + " holds no PKCS#8 PEM private key");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " holds an unreadable private key: " + e.getMessage(), e);
        }
    }

    private static Object read(Path file) {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
            return parser.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static String pem(X509Certificate certificate) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Encodes a private key as PKCS#8 PEM, which carries the curve with the key. */
    static String pem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** Writes the file atomically with the given permissions, replacing one that exists. */
    static void replace(Path file, String content, String permissions) {
        Path fresh = file.resolveSibling("." + file.getFileName() + ".new");
        try {
            Files.deleteIfExists(fresh);
            CodermonHome.writeNewFile(fresh, content, permissions);
            Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
