package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

class RelayMuxProtocolTest {

    @Test
    void a_flush_after_no_write_does_not_reach_the_socket_side_and_one_after_a_write_does() {
        int[] flushes = new int[1];
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes[0]++;
                ctx.flush();
            }
        }, RelayMuxProtocol.skipEmptyFlushes());
        channel.flush();
        assertEquals(0, flushes[0], "a flush with nothing written passed");
        channel.write(Unpooled.wrappedBuffer(new byte[] {1}));
        channel.flush();
        assertEquals(1, flushes[0], "the flush of a write did not pass");
        channel.flush();
        assertEquals(1, flushes[0], "a second flush with nothing new written passed");
        assertEquals(1, ((io.netty.buffer.ByteBuf) channel.readOutbound()).readableBytes());
        channel.finishAndReleaseAll();
    }

    @Test
    void a_stream_opens_with_connect_a_workspace_host_and_the_http_socket() {
        assertEquals("a.alice.codermon.internal", RelayMuxProtocol.hostOf(RelayMuxProtocol.open("a.alice.codermon.internal")));
        Http2Headers get = new DefaultHttp2Headers().method("GET").authority("a.alice.codermon.internal")
                .add(RelayMuxProtocol.SOCKET, RelayMuxProtocol.HTTP);
        assertEquals("a relayed stream opens with CONNECT",
                assertThrows(IllegalArgumentException.class, () -> RelayMuxProtocol.hostOf(get)).getMessage());
        Http2Headers badHost = RelayMuxProtocol.open("a.alice.codermon.internal").authority("A/../b");
        assertEquals("malformed workspace host",
                assertThrows(IllegalArgumentException.class, () -> RelayMuxProtocol.hostOf(badHost)).getMessage());
        Http2Headers ssh = RelayMuxProtocol.open("a.alice.codermon.internal").set(RelayMuxProtocol.SOCKET, "ssh");
        assertEquals("socket kind must be http on a multiplexed relay",
                assertThrows(IllegalArgumentException.class, () -> RelayMuxProtocol.hostOf(ssh)).getMessage());
    }
}
