package dev.codermon.proxy.pipeline;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * Lets the stages of a client pipeline reach the connection's {@link ExchangeTracker}: answer a request
 * in its turn.
 */
final class Exchanges {

    private Exchanges() {
    }

    /**
     * Writes the proxy's own answer to a request in that request's turn: at once if every earlier
     * request's response has been written whole, else as soon as they have been; closes the connection
     * after it if asked. A null exchange, or one answered already, stands for one after every request
     * seen so far (a refusal of bytes that never became a request). Without a tracker (a pipeline without the front,
     * in unit tests) the answer is written at once.
     *
     * @return the answer's write future: done once the answer was written, or failed with the connection
     */
    static ChannelFuture answer(Channel channel, Exchange exchange, HttpResponse answer, boolean close) {
        ExchangeTracker tracker = ExchangeTracker.of(channel);
        if (tracker == null) {
            ChannelFuture written = channel.writeAndFlush(answer);
            if (close) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
            return written;
        }
        return tracker.answer(exchange, answer, close);
    }

    /**
     * Answers, and then closes, the newest request, whose body the proxy refused after its head went on:
     * in its turn if its response has not begun; if it has, the connection is cut instead (a partly
     * relayed response must never look complete, nor be followed by another answer).
     */
    static void answerBodyRefusal(Channel channel, HttpResponse answer) {
        ExchangeTracker tracker = ExchangeTracker.of(channel);
        if (tracker == null) {
            answer(channel, null, answer, true);
            return;
        }
        Exchange newest = tracker.newest();
        if (newest == null || newest.answer != null) {
            ReferenceCountUtil.release(answer);
            channel.close();
            return;
        }
        tracker.answer(newest, answer, true);
    }
}
