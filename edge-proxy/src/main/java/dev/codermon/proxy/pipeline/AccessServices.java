package dev.codermon.proxy.pipeline;

import dev.codermon.auth.TokenVerifier;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.tls.ServerCertificates;

/**
 * Bundles what the sign-in, session, TLS and revocation stages of every connection share.
 *
 * @param verifier     verifies one-time sign-in (bootstrap) tokens
 * @param certificates TLS contexts for CONNECT :443
 * @param sessions     browser sessions opened by sign-in links
 * @param revocations  per-user revocation times, as last read from the store
 * @param connections  live connections, closed when their credentials or route go away
 * @param consoleOrigins the web console's origins, whose navigations redeem sign-in links over plain http
 */
public record AccessServices(TokenVerifier verifier, ServerCertificates certificates, ProxySessions sessions,
        Revocations revocations, LiveConnections connections, java.util.Set<String> consoleOrigins) {
}
