package dev.codermon.proxy.pipeline;

import io.netty.channel.Channel;

/**
 * Keeps a client channel's auto-read off while any handler has a reason to pause it (a session lookup,
 * an upstream connect, a full upstream), so that handlers do not undo each other's pauses.
 * Used on the channel's event loop only.
 */
final class ReadSuspension {

    static final int UPSTREAM_PENDING = 1 << 1;
    static final int UPSTREAM_FULL = 1 << 2;
    static final int SIGN_IN = 1 << 3;
    static final int SESSION_LOOKUP = 1 << 4;
    static final int TLS_SETUP = 1 << 5;
    static final int PIPELINE_FULL = 1 << 6;
    static final int LOGIN = 1 << 7;
    /** The proxy's own answer to a pipelined request waits for earlier responses ({@link ExchangeTracker}). */
    static final int ANSWER_TURN = 1 << 8;
    /** A request named a hostname the route table lacks: the route follower reads the store first. */
    static final int ROUTE_READ = 1 << 9;

    private final Channel channel;
    private int reasons;

    ReadSuspension(Channel channel) {
        this.channel = channel;
    }

    void suspend(int reason) {
        reasons |= reason;
        channel.config().setAutoRead(false);
    }

    void resume(int reason) {
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }
}
