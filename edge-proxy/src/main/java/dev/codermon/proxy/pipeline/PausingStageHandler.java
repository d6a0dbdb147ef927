package dev.codermon.proxy.pipeline;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Lets a request-checking stage wait for a store answer without blocking the event loop: reads pause
 * while it waits, later messages are held in order, and the answer is handled on the channel's own
 * event loop. Held messages are released if the connection goes away first.
 */
abstract class PausingStageHandler extends RequestStageHandler {

    private final ReadSuspension reads;
    private final int suspensionReason;

    PausingStageHandler(ReadSuspension reads, int suspensionReason) {
        this.reads = reads;
        this.suspensionReason = suspensionReason;
    }

    @Override
    final void onMessage(ChannelHandlerContext ctx, Object msg) {
        onUnqueuedMessage(ctx, msg);
    }

    /** Handles a message in order, once every earlier wait has ended. */
    abstract void onUnqueuedMessage(ChannelHandlerContext ctx, Object msg);

    /**
     * Runs the continuation with the future's outcome on the event loop, holding later messages back
     * until then. The pending request is released if the connection closes meanwhile.
     */
    final <T> void await(ChannelHandlerContext ctx, CompletableFuture<T> future, Exchange pending,
            BiConsumer<T, Throwable> then) {
        if (future.isDone()) {
            T value = null;
            Throwable error = null;
            try {
                value = future.join();
            } catch (RuntimeException e) {
                error = e;
            }
            then.accept(value, error);
            return;
        }
        reads.suspend(suspensionReason);
        hold();
        future.whenCompleteAsync((value, error) -> {
            endHold();
            if (ctx.isRemoved() || !ctx.channel().isActive()) {
                ReferenceCountUtil.release(pending.request);
                handleHeld(ctx);
                return;
            }
            reads.resume(suspensionReason);
            // The continuation may hold again (its answer waits for its turn, or another lookup).
            then.accept(value, error);
            handleHeld(ctx);
        }, ctx.executor());
    }
}
