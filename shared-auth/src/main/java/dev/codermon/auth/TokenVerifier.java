package dev.codermon.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;

/**
 * Verifies user tokens with public keys only.
 *
 * <p>Refuses anything but an ES256 signature by a known key (so {@code alg: none} and HMAC tokens
 * signed with the public key fail), a wrong issuer or audience, expired or not-yet-valid tokens
 * (allowing a small clock skew) and tokens without {@code sub}, {@code exp}, {@code iat} or {@code jti}.
 * Thread-safe.
 */
public final class TokenVerifier {

    public static final String ISSUER = "codermon-control-plane";
    public static final String AUDIENCE = "codermon";
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

    private final DefaultJWTProcessor<SecurityContext> processor;

    public TokenVerifier(JWKSet publicKeys, Clock clock, Duration clockSkew) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(SigningKeys.ALGORITHM,
                new ImmutableJWKSet<>(publicKeys.toPublicJWKSet())));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                AUDIENCE,
                new JWTClaimsSet.Builder().issuer(ISSUER).build(),
                Set.of("sub", "exp", "iat", "jti")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) clockSkew.toSeconds());
        p.setJWTClaimsSetVerifier(claims);
        this.processor = p;
    }

    public TokenVerifier(JWKSet publicKeys) {
        this(publicKeys, Clock.systemUTC(), DEFAULT_CLOCK_SKEW);
    }

    /**
     * Verifies the token and returns whom it speaks for.
     *
     * @throws InvalidTokenException with a short reason (never the token itself)
     */
    public Principal verify(String token) throws InvalidTokenException {
        if (token == null || token.isEmpty()) {
            throw new InvalidTokenException("missing token");
        }
        if (token.length() > 4096) {
            throw new InvalidTokenException("token too long");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidTokenException("malformed token");
        } catch (ExpiredJWTException e) {
            throw new InvalidTokenException("token expired");
        } catch (BadJWTException e) {
            throw new InvalidTokenException(claimsReason(e.getMessage()));
        } catch (BadJOSEException e) {
            throw new InvalidTokenException(joseReason(e.getMessage()));
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new InvalidTokenException("token cannot be verified");
        }
        String user = claims.getSubject();
        if (!DnsLabel.isValid(user)) {
            throw new InvalidTokenException("token subject is not a valid user id");
        }
        Instant iat = claims.getIssueTime().toInstant();
        Instant exp = claims.getExpirationTime().toInstant();
        return new Principal(user, claims.getJWTID(), iat, exp);
    }

    private static String claimsReason(String message) {
        String m = message == null ? "" : message;
        if (m.contains("nbf") || m.contains("before use time")) {
            return "token not yet valid";
        }
        if (m.contains("audience")) {
            return "token has the wrong audience";
        }
        if (m.contains("iss")) {
            return "token has the wrong issuer";
        }
        if (m.contains("missing required claims")) {
            return "token lacks required claims";
        }
        return "token claims rejected";
    }

    private static String joseReason(String message) {
        String m = message == null ? "" : message;
        if (m.contains("plain") || m.contains("Unsecured")) {
            return "unsigned tokens are not accepted";
        }
        if (m.contains("Another algorithm expected") || m.contains("key selector")
                || m.contains("No matching key") || m.contains("Signed JWT rejected: Another")) {
            return "token signed with an unexpected algorithm or key";
        }
        if (m.contains("Invalid signature")) {
            return "bad token signature";
        }
        if (m.contains("type")) {
            return "token has the wrong type";
        }
        return "token rejected";
    }
}
