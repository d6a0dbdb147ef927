package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.upstream.ActivityRecorder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;

/**
 * Turns an accepted SSH CONNECT into a raw byte relay between the client and the workspace's SSH server,
 * removing the client's HTTP handlers by name. Every chunk from the client counts as workspace activity:
 * SSH is encrypted end to end, so a keepalive cannot be told from a keystroke (docs/ssh.md).
 */
final class SshTunnel {

    private SshTunnel() {
    }

    static void relay(Channel client, Channel server, ActivityRecorder activity, String workspaceId) {
        client.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(server, bytes -> activity.touch(workspaceId)));
        server.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(client, null));
        removeAll(client.pipeline(), HandlerNames.CLIENT_HTTP_HANDLERS);
        IdleTimeoutHandler.switchToTunnel(client.pipeline());
    }

    private static void removeAll(ChannelPipeline pipeline, String[] names) {
        for (String name : names) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }
}
