package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeRecord;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * What a node's relay and proxy know of the other nodes (the store's nodes table, {@link NodeAddressBook}):
 * where their relays listen, and which relay certificate each one published. The cluster CA's signature
 * alone does not make a peer: a relay takes a proxy's connection, and a proxy a relay's, only with the
 * certificate that the peer's node published, so that a certificate issued again (or a node removed from the
 * table) leaves the old one worthless.
 */
interface RelayPeers {

    /** Returns the node's relay address ({@code host:port}), or empty if it has none; may block on the store. */
    Optional<String> relayAddress(String node);

    /**
     * Answers from what is known, without blocking: null if the certificate (its {@linkplain NodeRecord#fingerprint
     * fingerprint}) is the one the node published, else why not.
     */
    String refusal(String node, String fingerprint);

    /** Reads the table again (may block) and answers as {@link #refusal}. */
    String refusalAfterReading(String node, String fingerprint) throws InterruptedException;

    /** Runs the task after every read of the table that changed what is known (on the reading thread). */
    void onChange(Runnable task);

    /** Returns the fingerprint of the peer's certificate, or null if it presented none. */
    static String fingerprint(Channel channel) {
        try {
            Certificate[] chain = channel.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? NodeRecord.fingerprint(leaf) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
