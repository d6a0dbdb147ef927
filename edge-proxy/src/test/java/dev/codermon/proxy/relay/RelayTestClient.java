package dev.codermon.proxy.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Speaks to a relay as a node would, with the JDK's own TLS (another implementation than the proxy's
 * Netty client): the key and certificates of a node's TLS directory, the preface, one answer line.
 */
public final class RelayTestClient implements AutoCloseable {

    private final SSLSocket socket;

    private RelayTestClient(SSLSocket socket) {
        this.socket = socket;
    }

    /** Connects with the node's key and certificate, trusting the directory's CA, and shakes hands. */
    public static RelayTestClient connect(Path tlsDir, InetSocketAddress relay) throws Exception {
        return connect(tlsDir, tlsDir, relay);
    }

    /** Connects with the key and certificate of one directory, trusting the CA of another, and shakes hands. */
    public static RelayTestClient connect(Path tlsDir, Path trustDir, InetSocketAddress relay) throws Exception {
        X509Certificate cert = PemFiles.readCertificate(tlsDir.resolve(ClusterCa.NODE_CERT));
        X509Certificate ca = PemFiles.readCertificate(trustDir.resolve(ClusterCa.CA_CERT));
        char[] password = "test".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("node", PemFiles.readKey(tlsDir.resolve(ClusterCa.NODE_KEY)), password,
                new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        X509ExtendedKeyManager keysOffered = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        context.init(new KeyManager[] {new AlwaysOffered(keysOffered)}, tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(relay.getAddress(), relay.getPort());
        socket.setSoTimeout(5000);
        socket.startHandshake();
        return new RelayTestClient(socket);
    }

    /** Sends the text as it is and returns the answer line, or what ended the connection instead. */
    public String send(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return readLine();
        } catch (IOException e) {
            return "closed: " + e;
        }
    }

    /** Sends a preface for the host and socket kind and returns the answer line. */
    public String preface(String host, String kind) {
        return send("CODERMON-RELAY/1 " + host + " " + kind + "\n");
    }

    public InputStream in() throws IOException {
        return socket.getInputStream();
    }

    public void write(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Reads one line without its newline, or says how the connection ended. */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return "closed: end of stream after '" + line.toString(StandardCharsets.US_ASCII) + "'";
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * Offers the certificate even to a server that asks for another CA's (the JDK would send none), so
     * that the server itself has to refuse it.
     */
    private static final class AlwaysOffered extends X509ExtendedKeyManager {

        private final X509ExtendedKeyManager keys;

        AlwaysOffered(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "node";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "node";
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"node"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }
}
