package dev.codermon.auth.route;

import java.time.Instant;

/**
 * Is a person who signed in through OpenID Connect, keyed by the provider's issuer and subject.
 *
 * @param name the Codermon user id (a DNS label, unique): workspace hosts are {@code <ws>.<name>.<domain>}
 * @param role {@code user} or {@code admin}
 */
public record PersonRecord(String issuer, String subject, String name, String email, String role, boolean disabled,
        Instant createdAt, Instant lastLoginAt) {
}
