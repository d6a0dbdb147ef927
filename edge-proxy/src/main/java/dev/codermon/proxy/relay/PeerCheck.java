package dev.codermon.proxy.relay;

import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Checks, after a relay connection's TLS handshake, that the peer's certificate is the one its node
 * published ({@link RelayPeers}): at once when the book knows it, otherwise after reading the nodes table
 * again on the executor (a node that just joined, a certificate issued again), never on the event loop.
 */
record PeerCheck(RelayPeers peers, Executor reads) {

    /** Tells {@code then}, on the channel's event loop, null if the peer's certificate is its node's, else why not. */
    void check(Channel channel, String node, Consumer<String> then) {
        String fingerprint = RelayPeers.fingerprint(channel);
        if (fingerprint == null) {
            then.accept("it presented no certificate");
            return;
        }
        String known = peers.refusal(node, fingerprint);
        if (known == null) {
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
        }, reads).whenComplete((refusal, error) -> channel.eventLoop().execute(() ->
                then.accept(error != null ? known : refusal)));
    }
}
