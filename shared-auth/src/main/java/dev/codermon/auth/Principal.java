package dev.codermon.auth;

import java.time.Instant;

/**
 * Identifies who a verified token speaks for.
 *
 * @param user      the user id (the token's {@code sub})
 * @param tokenId   the token's {@code jti}
 * @param issuedAt  when the token was issued
 * @param expiresAt when the token stops being valid
 */
public record Principal(String user, String tokenId, Instant issuedAt, Instant expiresAt) {
}
