package dev.codermon.controlplane.api;

import dev.codermon.auth.DnsLabel;
import dev.codermon.auth.IssuedToken;
import dev.codermon.auth.TokenIssuer;
import dev.codermon.controlplane.DurationText;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Mints user tokens, never longer-lived than the configured maximum. */
public final class TokenService {

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);

    private final TokenIssuer issuer;
    private final Duration maxTtl;

    public TokenService(TokenIssuer issuer, Duration maxTtl) {
        this.issuer = issuer;
        this.maxTtl = maxTtl;
    }

    /**
     * Issues a token for the user.
     *
     * @param ttl the requested lifetime (e.g. {@code 30m}), or null for the maximum
     * @throws ApiException 400 if the user or lifetime is invalid
     */
    IssuedToken issue(String user, String ttl) {
        if (user == null || !DnsLabel.isValid(user)) {
            throw ApiException.badRequest("invalid_user", "user must be 1-32 characters of a-z, 0-9 and '-',"
                    + " start with a letter and not end with '-'");
        }
        Duration lifetime = maxTtl;
        if (ttl != null) {
            try {
                lifetime = DurationText.parse("ttl", ttl);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_ttl", e.getMessage());
            }
            if (lifetime.isNegative() || lifetime.isZero()) {
                throw ApiException.badRequest("invalid_ttl", "ttl must be positive, e.g. 30m or 8h");
            }
            if (lifetime.compareTo(maxTtl) > 0) {
                lifetime = maxTtl;
            }
        }
        IssuedToken token = issuer.issue(user, lifetime);
        log.info("issued token {} for {} until {}", token.tokenId(), user, token.expiresAt());
        return token;
    }
}
