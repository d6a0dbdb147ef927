package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeRecord;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Holds a node's TLS contexts for relays: TLS 1.3 only, trusting the cluster CA alone, presenting the
 * node's certificate both as a relay (server, client certificate required) and as a proxy connecting to
 * another node's relay (client). Which node a peer is, is read from its certificate ({@link NodeId#of}).
 *
 * <p>The relay offers HTTP/2 by ALPN: a proxy's HTTP connections to a node's workspaces share one
 * multiplexed connection ({@link #mux()}, docs/relay.md). A client that offers nothing (a raw relay for SSH,
 * or a proxy of a build before HTTP/2) speaks the one-line preface protocol ({@link RelayPreface}).
 */
final class RelayTls {

    static final String TLS_1_3 = "TLSv1.3";
    /** The ALPN name of the multiplexed relay protocol: HTTP/2, one stream per relayed connection. */
    static final String H2 = ApplicationProtocolNames.HTTP_2;

    private final SslContext server;
    private final SslContext client;
    private final SslContext mux;
    private final X509Certificate certificate;
    private final String fingerprint;

    private RelayTls(SslContext server, SslContext client, SslContext mux, X509Certificate certificate) {
        this.server = server;
        this.client = client;
        this.mux = mux;
        this.certificate = certificate;
        this.fingerprint = NodeRecord.fingerprint(certificate);
    }

    /**
     * Loads the node's key, certificate and the cluster CA from the directory and checks that they fit.
     *
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    static RelayTls load(Path dir, String nodeId) {
        for (String name : new String[] {ClusterCa.NODE_CERT, ClusterCa.NODE_KEY, ClusterCa.CA_CERT}) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new IllegalArgumentException("CODERMON_RELAY_TLS_DIR " + dir + " has no " + name
                        + " (issue it with NodeCertificatesMain, see docs/relay.md)");
            }
        }
        X509Certificate node = PemFiles.readCertificate(dir.resolve(ClusterCa.NODE_CERT));
        PrivateKey key = PemFiles.readKey(dir.resolve(ClusterCa.NODE_KEY));
        X509Certificate ca = PemFiles.readCertificate(dir.resolve(ClusterCa.CA_CERT));
        String named = NodeId.of(node);
        if (!nodeId.equals(named)) {
            throw new IllegalArgumentException(dir.resolve(ClusterCa.NODE_CERT) + " names node " + named
                    + ", but CODERMON_NODE_ID is " + nodeId);
        }
        try {
            node.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(dir.resolve(ClusterCa.NODE_CERT) + " was not issued by the cluster CA in "
                    + dir.resolve(ClusterCa.CA_CERT));
        }
        if (!fits(key, node)) {
            throw new IllegalArgumentException(dir.resolve(ClusterCa.NODE_KEY) + " is not the key of "
                    + dir.resolve(ClusterCa.NODE_CERT) + " (one of them was replaced without the other?)");
        }
        return of(key, node, ca);
    }

    /** Returns whether the key is the private half of the certificate's public key (a signature it makes verifies). */
    static boolean fits(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        try {
            byte[] probe = new byte[32];
            new java.security.SecureRandom().nextBytes(probe);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static RelayTls of(PrivateKey key, X509Certificate node, X509Certificate ca) {
        try {
            SslProvider provider = provider();
            SslContext server = SslContextBuilder.forServer(key, node)
                    .trustManager(ca)
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(TLS_1_3)
                    .sslProvider(provider)
                    // h2 if the client offers it; a client that offers nothing gets the preface protocol.
                    .applicationProtocolConfig(alpn())
                    .build();
            SslContext client = clientBuilder(key, node, ca, provider).build();
            SslContext mux = clientBuilder(key, node, ca, provider).applicationProtocolConfig(alpn()).build();
            return new RelayTls(server, client, mux, node);
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up relay TLS: " + e.getMessage(), e);
        }
    }

    private static SslContextBuilder clientBuilder(PrivateKey key, X509Certificate node, X509Certificate ca,
            SslProvider provider) {
        return SslContextBuilder.forClient()
                .keyManager(key, node)
                .trustManager(ca)
                .protocols(TLS_1_3)
                .sslProvider(provider)
                // The peer's node id is checked against its certificate after the handshake, with a clear reason.
                .endpointIdentificationAlgorithm(null);
    }

    /** Offers or selects h2 only; without a match the handshake goes on with no protocol (checked afterwards). */
    private static ApplicationProtocolConfig alpn() {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, H2);
    }

    /**
     * BoringSSL (netty-tcnative) where its native library loads: a handshake with client certificates and
     * each small record cost a fraction of the JDK engine's, which is most of a relay hop's price. The
     * JDK's engine otherwise; both speak TLS 1.3 only here.
     */
    static SslProvider provider() {
        return OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** Returns the node's certificate that these contexts present. */
    X509Certificate certificate() {
        return certificate;
    }

    /** Returns the {@linkplain NodeRecord#fingerprint fingerprint} of that certificate. */
    String fingerprint() {
        return fingerprint;
    }

    SslContext server() {
        return server;
    }

    /** The client context of a raw relay (SSH): no ALPN, the preface protocol. */
    SslContext client() {
        return client;
    }

    /** The client context of the multiplexed HTTP relay: offers h2 by ALPN. */
    SslContext mux() {
        return mux;
    }
}
