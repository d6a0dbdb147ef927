package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeRecord;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, after a relay connection's TLS handshake, that the peer's certificate is the one its node
 * published in the nodes table ({@link NodeAddressBook}; the cluster CA's signature alone makes no peer): at once when the book knows it, otherwise after reading the nodes table
 * again on the executor (a node that just joined, a certificate issued again), never on the event loop.
 * A connection it took is closed once a later read of the table withdraws its peer's certificate (issued
 * again, the node removed), so that a withdrawn certificate keeps no connection open either.
 */
final class PeerCheck {

    private static final Logger log = LoggerFactory.getLogger(PeerCheck.class);
    private static final AttributeKey<String> NODE = AttributeKey.valueOf("codermon.relay.peer-node");
    private static final AttributeKey<String> FINGERPRINT = AttributeKey.valueOf("codermon.relay.peer-certificate");

    private final NodeAddressBook peers;
    private final Executor reads;
    /** The open connections whose peer this check took. */
    private final Set<Channel> taken = ConcurrentHashMap.newKeySet();

    PeerCheck(NodeAddressBook peers, Executor reads) {
        this.peers = peers;
        this.reads = reads;
        peers.onChange(this::closeWithdrawn);
    }

    /** Closes every connection taken whose peer's certificate the table no longer holds. */
    private void closeWithdrawn() {
        for (Channel channel : taken) {
            String refusal = peers.refusal(channel.attr(NODE).get(), channel.attr(FINGERPRINT).get());
            if (refusal != null) {
                taken.remove(channel);
                log.info("{} closing the relay connection with node {}: {}", channel, channel.attr(NODE).get(),
                        refusal);
                // At once, below TLS and HTTP/2: a graceful HTTP/2 close would wait for the streams to end.
                channel.pipeline().firstContext().close();
            }
        }
    }

    private void take(Channel channel, String node, String fingerprint) {
        channel.attr(NODE).set(node);
        channel.attr(FINGERPRINT).set(fingerprint);
        taken.add(channel);
        channel.closeFuture().addListener(closed -> taken.remove(channel));
    }

    /** Tells {@code then}, on the channel's event loop, null if the peer's certificate is its node's, else why not. */
    void check(Channel channel, String node, Consumer<String> then) {
        X509Certificate certificate = RelayAcceptHandler.peerCertificate(channel);
        if (certificate == null) {
            then.accept("it presented no certificate");
            return;
        }
        String fingerprint = NodeRecord.fingerprint(certificate);
        String known = peers.refusal(node, fingerprint);
        if (known == null) {
            take(channel, node, fingerprint);
            then.accept(null);
            return;
        }
        CompletableFuture.supplyAsync(() -> {
            try {
                return peers.refusalAfterReading(node, fingerprint);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return known;
            }
        }, reads).whenComplete((refusal, error) -> channel.eventLoop().execute(() -> {
            String verdict = error != null ? known : refusal;
            if (verdict == null) {
                take(channel, node, fingerprint);
            }
            then.accept(verdict);
        }));
    }
}
