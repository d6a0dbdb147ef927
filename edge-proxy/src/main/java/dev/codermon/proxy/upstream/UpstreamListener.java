package dev.codermon.proxy.upstream;

import io.netty.channel.Channel;

/**
 * What the upstream side tells its client connection: when to pause reading (while an upstream is
 * being connected, or earlier responses are awaited, or its write buffer is full) and when an upstream
 * accepted a WebSocket upgrade. Called on the client's event loop.
 */
public interface UpstreamListener {

    /** Pauses (true) or resumes (false) the client's reads while an upstream is not ready for more. */
    void upstreamPending(boolean pending);

    /** Pauses (true) or resumes (false) the client's reads while the upstream's write buffer is full. */
    void upstreamFull(boolean full);

    /**
     * Switches both connections to a raw relay: the upstream accepted a WebSocket upgrade, and its
     * {@code 101} has been written to the client.
     */
    void upgraded(Channel upstream, String workspaceId);
}
