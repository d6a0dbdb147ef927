package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both relay protocols do once a peer named a workspace host and a socket kind: look the host up in the
 * proxy's route table, decide ({@link RelayDecision}: only a workspace the store places on this node), and
 * open that workspace's socket of the kind on the relayed channel's event loop. Exactly one of the two
 * callbacks runs, on that event loop, and only while the channel is open.
 */
final class RelaySocket {

    private static final Logger log = LoggerFactory.getLogger(RelaySocket.class);

    private RelaySocket() {
    }

    /**
     * @param opened  gets the connected socket (its reads wait for the relay to ask) and the route
     * @param refused gets the refusal; no socket was touched, or the one opened was closed
     */
    static void open(Channel channel, String ownNode, RelayRoutes routes, UpstreamConnector connector, String hostname,
            SocketKind kind, BiConsumer<Channel, Route> opened, Consumer<RelayDecision> refused) {
        routes.lookup(hostname).whenComplete((route, error) -> channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                return;
            }
            if (error != null) {
                log.debug("{} relay route lookup failed: {}", channel, error.toString());
                refused.accept(new RelayDecision(503, "route store unavailable"));
                return;
            }
            RelayDecision decision = RelayDecision.decide(ownNode, hostname, route);
            if (!decision.allowed()) {
                refused.accept(decision);
                return;
            }
            Route r = route.get();
            ChannelFuture connecting;
            try {
                connecting = connector.connectRaw(channel, kind.pathOf(r));
            } catch (RuntimeException e) {
                connecting = channel.newFailedFuture(e);
            }
            connecting.addListener((ChannelFutureListener) connected -> {
                if (!connected.isSuccess()) {
                    log.debug("{} relay: {} socket of {} failed: {}", channel, kind, r.workspaceId(),
                            connected.cause().toString());
                    refused.accept(new RelayDecision(502, "workspace " + hostname + " is not answering on its "
                            + kind.name().toLowerCase(Locale.ROOT) + " socket"));
                } else if (!channel.isActive()) {
                    connected.channel().close();
                } else {
                    opened.accept(connected.channel(), r);
                }
            });
        }));
    }
}
