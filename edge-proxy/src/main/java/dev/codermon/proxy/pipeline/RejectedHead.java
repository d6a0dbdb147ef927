package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.Refusal;

/**
 * Tells {@link FramingEnforcingHandler} that {@link RequestHeadGuard} refused the request whose head it was
 * reading; travels through the HTTP decoder untouched, so that every framing refusal leaves by one path.
 */
record RejectedHead(Refusal refusal) {
}
