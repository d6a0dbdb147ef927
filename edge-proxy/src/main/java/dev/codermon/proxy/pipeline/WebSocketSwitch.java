package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.CombinedChannelDuplexHandler;

/**
 * Turns an HTTP exchange that the upstream accepted as a WebSocket upgrade into a raw byte relay
 * between client and upstream, removing the HTTP handlers of both pipelines by name. Only data and
 * close frames from the client count as workspace activity: pings and pongs are keepalive traffic.
 */
final class WebSocketSwitch {

    private WebSocketSwitch() {
    }

    static void apply(Channel client, Channel upstream, ActivityRecorder activity, String workspaceId) {
        // Encoders go first: bytes the decoders still hold flow into the relays as soon as the codecs
        // are removed, and must reach the other side unencoded.
        removeEncoder(client.pipeline(), HandlerNames.HTTP_CODEC);
        UpstreamConnector.removeEncoder(upstream);
        WebSocketFrameScanner frames = new WebSocketFrameScanner();
        client.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(upstream, bytes -> {
            if (frames.scan(bytes)) {
                activity.touch(workspaceId);
            }
        }));
        upstream.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(client, null));
        UpstreamConnector.removeHttpHandlers(upstream);
        removeAll(client.pipeline(), HandlerNames.CLIENT_HTTP_HANDLERS);
        IdleTimeoutHandler.switchToTunnel(client.pipeline());
    }

    private static void removeEncoder(ChannelPipeline pipeline, String codecName) {
        if (pipeline.get(codecName) instanceof CombinedChannelDuplexHandler<?, ?> codec) {
            codec.removeOutboundHandler();
        }
    }

    private static void removeAll(ChannelPipeline pipeline, String[] names) {
        for (String name : names) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }
}
