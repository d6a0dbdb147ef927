package dev.codermon.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;

/** Signs user tokens (control plane only: it needs the private key). */
public final class TokenIssuer {

    private final ECKey key;
    private final ECDSASigner signer;
    private final Clock clock;

    public TokenIssuer(ECKey key, Clock clock) {
        this.key = Objects.requireNonNull(key);
        this.clock = Objects.requireNonNull(clock);
        try {
            this.signer = new ECDSASigner(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("key cannot sign ES256: " + e.getMessage(), e);
        }
    }

    /** Issues a token for the user, valid from now for the given time. */
    public IssuedToken issue(String user, Duration ttl) {
        return sign(user, ttl, TokenVerifier.AUDIENCE, null);
    }

    /**
     * Issues a one-time bootstrap token that opens one workspace host in a browser. Its audience
     * differs from user tokens', so neither can stand in for the other.
     */
    public IssuedToken issueBootstrap(String user, String workspaceId, String hostname, Duration ttl) {
        return sign(user, ttl, TokenVerifier.BOOTSTRAP_AUDIENCE, b -> b
                .claim(TokenVerifier.WORKSPACE_CLAIM, workspaceId)
                .claim(TokenVerifier.HOST_CLAIM, hostname));
    }

    private IssuedToken sign(String user, Duration ttl, String audience,
            java.util.function.UnaryOperator<JWTClaimsSet.Builder> extra) {
        DnsLabel.require("user", user);
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("token lifetime must be positive");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = now.plus(ttl);
        String jti = UUID.randomUUID().toString();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .issuer(TokenVerifier.ISSUER)
                .audience(audience)
                .subject(user)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .jwtID(jti);
        JWTClaimsSet claims = (extra == null ? builder : extra.apply(builder)).build();
        JWSHeader header = new JWSHeader.Builder(SigningKeys.ALGORITHM)
                .type(JOSEObjectType.JWT)
                .keyID(key.getKeyID())
                .build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign token: " + e.getMessage(), e);
        }
        return new IssuedToken(jwt.serialize(), user, jti, now, expires);
    }
}
