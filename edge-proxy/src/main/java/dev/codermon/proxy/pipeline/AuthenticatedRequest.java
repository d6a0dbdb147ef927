package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Carries a request head whose sender has been authenticated. Its body follows as separate
 * {@code HttpContent} messages (the proxy never aggregates).
 *
 * @param tunnelHost the host of the CONNECT tunnel this request arrived in, or null outside a tunnel
 */
record AuthenticatedRequest(HttpRequest request, Principal principal, String tunnelHost) {
}
