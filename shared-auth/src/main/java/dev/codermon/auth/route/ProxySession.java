package dev.codermon.auth.route;

import java.time.Instant;

/**
 * Records a browser session the proxy opened for one workspace host after a bootstrap link.
 *
 * <p>Only the SHA-256 of the cookie value is stored, so reading the store does not yield a usable
 * cookie.
 *
 * @param idHash    hex SHA-256 of the session cookie's value
 * @param user      whom the session speaks for
 * @param hostname  the one workspace host the cookie is valid for
 * @param createdAt when it was opened (compared with revocations like a token's {@code iat})
 * @param expiresAt when it stops working
 */
public record ProxySession(String idHash, String user, String hostname, Instant createdAt, Instant expiresAt) {
}
