package dev.codermon.auth.route;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a node's relay certificate ({@value #NAME} in its relay TLS directory) for the node agent, which
 * publishes its {@linkplain NodeRecord#fingerprint fingerprint} in the nodes table at every heartbeat. The
 * file is read again when it changes (a certificate issued again); a file that became unreadable keeps the
 * fingerprint last read, with one warning.
 */
public final class RelayCertificateFile implements Supplier<String> {

    /** The node's certificate in its relay TLS directory. */
    public static final String NAME = "node.crt";
    private static final Logger log = LoggerFactory.getLogger(RelayCertificateFile.class);

    private final Path file;
    private Object readVersion;
    private String fingerprint;
    private boolean failing;

    private RelayCertificateFile(Path file) {
        this.file = file;
    }

    /**
     * Reads the certificate in the directory now.
     *
     * @throws IllegalArgumentException naming the file if it is missing or holds no certificate
     */
    public static RelayCertificateFile in(Path tlsDir) {
        RelayCertificateFile f = new RelayCertificateFile(tlsDir.resolve(NAME));
        try {
            f.read();
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read this node's relay certificate " + f.file + ": "
                    + e.getMessage(), e);
        }
        return f;
    }

    @Override
    public synchronized String get() {
        try {
            read();
            if (failing) {
                failing = false;
                log.info("relay certificate {} readable again", file);
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            if (!failing) {
                failing = true;
                log.warn("cannot read the relay certificate {}; publishing the one read before: {}", file,
                        e.getMessage());
            }
        }
        return fingerprint;
    }

    /**
     * Returns what tells one state of a file from another: its modification time, size and identity (a file
     * replaced by a move is another file), without reading it.
     */
    public static Object versionOf(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
    }

    private void read() throws IOException, CertificateException {
        Object version = versionOf(file);
        if (version.equals(readVersion)) {
            return;
        }
        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(file)) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String read = NodeRecord.fingerprint(certificate);
        if (fingerprint != null && !fingerprint.equals(read)) {
            log.info("relay certificate {} changed; publishing its fingerprint {}", file, read);
        }
        fingerprint = read;
        readVersion = version;
    }
}
