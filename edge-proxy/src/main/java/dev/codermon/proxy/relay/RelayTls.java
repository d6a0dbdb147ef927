package dev.codermon.proxy.relay;

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
 */
final class RelayTls {

    static final String TLS_1_3 = "TLSv1.3";

    private final SslContext server;
    private final SslContext client;

    private RelayTls(SslContext server, SslContext client) {
        this.server = server;
        this.client = client;
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
        return of(key, node, ca);
    }

    static RelayTls of(PrivateKey key, X509Certificate node, X509Certificate ca) {
        try {
            SslProvider provider = provider();
            SslContext server = SslContextBuilder.forServer(key, node)
                    .trustManager(ca)
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(TLS_1_3)
                    .sslProvider(provider)
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(key, node)
                    .trustManager(ca)
                    .protocols(TLS_1_3)
                    .sslProvider(provider)
                    // The peer's node id is checked against its certificate after the handshake, with a clear reason.
                    .endpointIdentificationAlgorithm(null)
                    .build();
            return new RelayTls(server, client);
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up relay TLS: " + e.getMessage(), e);
        }
    }

    /**
     * BoringSSL (netty-tcnative) where its native library loads: a handshake with client certificates and
     * each small record cost a fraction of the JDK engine's, which is most of a relay hop's price. The
     * JDK's engine otherwise; both speak TLS 1.3 only here.
     */
    static SslProvider provider() {
        return OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    SslContext server() {
        return server;
    }

    SslContext client() {
        return client;
    }
}
