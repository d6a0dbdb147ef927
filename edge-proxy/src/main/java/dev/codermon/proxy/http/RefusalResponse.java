package dev.codermon.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpVersion;

/** Marks a response the proxy wrote itself, so that access logs and metrics can name the refusal. */
public final class RefusalResponse extends DefaultFullHttpResponse {

    private final Refusal refusal;

    RefusalResponse(Refusal refusal, ByteBuf body) {
        super(HttpVersion.HTTP_1_1, refusal.status(), body);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
