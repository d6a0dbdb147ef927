package dev.codermon.auth.route;

import java.time.Instant;

/** Describes a personal token a person minted for themself (never the token itself). */
public record PersonalToken(String tokenId, String user, String name, Instant createdAt, Instant expiresAt,
        Instant revokedAt) {
}
