package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.Refusal;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Reads the raw bytes of every request head before the HTTP decoder does, for what the decoder would
 * silently normalise: folded header lines (obs-fold) and {@code Transfer-Encoding} values that are not
 * exactly {@code chunked} (Netty trims and unfolds values). It also enforces the deadline from a
 * request's first byte to the end of its headers (slowloris).
 *
 * <p>To know where heads are, it hands the decoder one head at a time and learns each body's framing
 * from {@link FramingEnforcingHandler}: a fixed length is counted here; a chunked body is handed over
 * in pieces that end at CR LF CR LF, the only place where a chunked message can end, so that the next
 * head always starts at a known byte. It never answers itself: a violation travels on as a
 * {@link RejectedHead} to the framing handler's one reject path. Must come before the HTTP codec and
 * after any TLS handler; it leaves the pipeline with the codec when the connection becomes a relay.
 */
final class RequestHeadGuard extends ChannelInboundHandlerAdapter {


    private enum Mode { HEAD, FIXED_BODY, CHUNKED_BODY, REJECTED }

    /**
     * Most requests a connection may have forwarded without their responses having ended. Beyond it the
     * guard keeps the following bytes and pauses reads until a response ends, so a pipelining flood
     * is slowed rather than queued (and stays below the codec's own pipelining limit of 128).
     */
    static final int MAX_UNANSWERED = 64;

    private ReadSuspension reads;
    private int unanswered;
    private ByteBuf parked;
    private final EndOfMessageFinder endFinder = new EndOfMessageFinder();
    private final HeaderLineCheck lines = new HeaderLineCheck();
    private ChannelHandlerContext ctx;
    private Mode mode = Mode.HEAD;
    private long bodyRemaining;
    private boolean inHead;
    private int linesInHead;
    private final HeadDeadline deadline;

    RequestHeadGuard(long headerTimeoutNanos) {
        this(headerTimeoutNanos, null);
    }

    RequestHeadGuard(long headerTimeoutNanos, ReadSuspension reads) {
        this.deadline = new HeadDeadline(headerTimeoutNanos, this::readingHead,
                () -> reject(Refusal.HEADER_TIMEOUT));
        this.reads = reads;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        deadline.attach(ctx);
        if (reads == null) {
            reads = new ReadSuspension(ctx.channel());
        }
    }

    /** Called by the exchange tracker when a final response has been written in full. */
    void responseEnded() {
        if (unanswered > 0) {
            unanswered--;
        }
        if (parked != null && unanswered < MAX_UNANSWERED) {
            // Not from inside the write that ended the response: from the event loop, afterwards.
            ctx.executor().execute(this::releaseParked);
        }
    }

    private void releaseParked() {
        ByteBuf held = parked;
        if (held == null || unanswered >= MAX_UNANSWERED || ctx.isRemoved()) {
            return;
        }
        parked = null;
        process(held);
        // What was passed on is a read's worth: let the handlers behind flush as after a read.
        ctx.fireChannelReadComplete();
        if (parked == null) {
            reads.resume(ReadSuspension.PIPELINE_FULL);
        }
    }

    /** Called by the framing handler with the accepted head's body length: 0, a length, or -1 for chunked. */
    void bodyFollows(long length) {
        if (mode == Mode.REJECTED) {
            return;
        }
        bodyRemaining = length;
        mode = length < 0 ? Mode.CHUNKED_BODY : length == 0 ? Mode.HEAD : Mode.FIXED_BODY;
        endFinder.reset();
    }

    /** Called by the framing handler when a message's last content passed. */
    void messageEnded() {
        if (mode == Mode.CHUNKED_BODY) {
            mode = Mode.HEAD;
        }
    }

    /** Called by the framing handler once it refused the connection's request. */
    void rejected() {
        mode = Mode.REJECTED;
        deadline.cancel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (parked != null) {
            // Bytes of a read already under way when reads paused: they wait behind the others.
            parked.writeBytes(buf);
            buf.release();
            return;
        }
        process(buf);
    }

    private void process(ByteBuf buf) {
        try {
            while (buf.isReadable() && mode != Mode.REJECTED && ctx.channel().isActive()) {
                switch (mode) {
                    case HEAD -> {
                        if (!inHead && unanswered >= MAX_UNANSWERED) {
                            park(buf);
                        } else {
                            passHead(buf);
                        }
                    }
                    case FIXED_BODY -> {
                        int n = (int) Math.min(bodyRemaining, buf.readableBytes());
                        bodyRemaining -= n;
                        if (bodyRemaining == 0) {
                            mode = Mode.HEAD;
                        }
                        ctx.fireChannelRead(buf.readRetainedSlice(n));
                    }
                    case CHUNKED_BODY -> {
                        int end = buf.forEachByte(buf.readerIndex(), buf.readableBytes(), endFinder);
                        int n = end < 0 ? buf.readableBytes() : end + 1 - buf.readerIndex();
                        // If the decoder ends the message here, messageEnded() switches to HEAD.
                        ctx.fireChannelRead(buf.readRetainedSlice(n));
                    }
                    default -> buf.skipBytes(buf.readableBytes());
                }
            }
        } finally {
            buf.release();
        }
    }

    private void passHead(ByteBuf buf) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        int i = start;
        while (i < end) {
            if (!inHead) {
                startHead();
            }
            int lf = buf.indexOf(i, end, (byte) '\n');
            if (lf < 0) {
                lines.add(buf, i, end);
                break;
            }
            lines.add(buf, i, lf);
            i = lf + 1;
            int length = lines.endLine();
            if (length == 0 && linesInHead == 0) {
                continue;
            }
            if (length == 0) {
                endOfHead();
                unanswered++;
                ctx.fireChannelRead(buf.readRetainedSlice(i - start));
                return;
            }
            Refusal refusal = linesInHead++ == 0 ? null : lines.check(length);
            if (refusal != null) {
                reject(refusal);
                return;
            }
        }
        ctx.fireChannelRead(buf.readRetainedSlice(end - start));
    }

    private void park(ByteBuf buf) {
        parked = ctx.alloc().buffer(buf.readableBytes());
        parked.writeBytes(buf);
        reads.suspend(ReadSuspension.PIPELINE_FULL);
    }

    private void releaseParkedBytes() {
        if (parked != null) {
            parked.release();
            parked = null;
        }
    }

    private void startHead() {
        inHead = true;
        deadline.start();
    }

    private void endOfHead() {
        inHead = false;
        linesInHead = 0;
        lines.endHead();
    }

    private boolean readingHead() {
        return inHead && mode == Mode.HEAD && ctx.channel().isActive();
    }

    private void reject(Refusal refusal) {
        rejected();
        ctx.fireChannelRead(new RejectedHead(refusal));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadline.cancel();
        releaseParkedBytes();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel();
        releaseParkedBytes();
    }
}
