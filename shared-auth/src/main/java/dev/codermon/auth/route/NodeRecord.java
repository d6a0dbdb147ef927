package dev.codermon.auth.route;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Is one node of a cluster as the store knows it: where its relay listens and when its node agent last
 * reported.
 *
 * @param id           the node's name (a DNS label), also the subject of its relay certificate
 * @param relayAddress host:port of the node's relay (mutual TLS), which other nodes' proxies connect to
 * @param capacity     how many running workspaces placement may put on it
 * @param heartbeatAt  when its node agent last reported
 * @param lost         whether it stopped reporting and its workspaces were marked lost
 * @param relayCertificate the {@linkplain #fingerprint SHA-256} of the node's relay certificate as its agent
 *                     published it, or null if it published none: relays take that node's proxy, and proxies
 *                     that node's relay, only with that very certificate
 */
public record NodeRecord(String id, String relayAddress, int capacity, Instant heartbeatAt, boolean lost,
        String relayCertificate) {

    public NodeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(relayAddress, "relayAddress");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt");
    }

    /** A node whose agent published no relay certificate. */
    public NodeRecord(String id, String relayAddress, int capacity, Instant heartbeatAt, boolean lost) {
        this(id, relayAddress, capacity, heartbeatAt, lost, null);
    }

    /** Returns the SHA-256 of the certificate's DER encoding, lowercase hex: what the nodes table keeps. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("cannot encode the certificate of " + certificate.getSubjectX500Principal()
                    + ": " + e.getMessage(), e);
        }
    }
}
