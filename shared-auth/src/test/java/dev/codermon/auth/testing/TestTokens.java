package dev.codermon.auth.testing;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import dev.codermon.auth.SigningKeys;
import dev.codermon.auth.TokenIssuer;
import dev.codermon.auth.TokenVerifier;
import java.time.Clock;
import java.time.Duration;

/**
 * Provides a fresh key pair with a matching issuer and verifier for tests of both apps.
 */
public final class TestTokens {

    private final ECKey key = SigningKeys.generate();
    private final TokenIssuer issuer;
    private final TokenVerifier verifier;

    public TestTokens() {
        this(Clock.systemUTC());
    }

    public TestTokens(Clock clock) {
        issuer = new TokenIssuer(key, clock);
        verifier = new TokenVerifier(publicKeys(), clock, TokenVerifier.DEFAULT_CLOCK_SKEW);
    }

    /** Returns a valid token for the user, good for an hour. */
    public String tokenFor(String user) {
        return issuer.issue(user, Duration.ofHours(1)).token();
    }

    public ECKey privateKey() {
        return key;
    }

    public JWKSet publicKeys() {
        return new JWKSet(key.toPublicJWK());
    }

    public TokenIssuer issuer() {
        return issuer;
    }

    public TokenVerifier verifier() {
        return verifier;
    }
}
