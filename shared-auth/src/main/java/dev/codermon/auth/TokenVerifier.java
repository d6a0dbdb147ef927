package dev.codermon.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

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
    /** Audience of one-time bootstrap tokens (browser links), never accepted as user tokens. */
    public static final String BOOTSTRAP_AUDIENCE = "codermon-bootstrap";
    public static final String WORKSPACE_CLAIM = "ws";
    public static final String HOST_CLAIM = "host";
    /**
     * Bounds the clock skew any verifier allows. A token verifies until its expiry plus the skew, so
     * single-use marks are kept at least that long ({@code ControlPlaneStore#pruneExpired}).
     */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CLOCK_SKEW = MAX_CLOCK_SKEW;

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final Clock clock;
    private final Duration clockSkew;

    /**
     * Creates a verifier that allows the given clock skew.
     *
     * @throws IllegalArgumentException if the skew is negative or above {@link #MAX_CLOCK_SKEW}
     */
    public TokenVerifier(JWKSet publicKeys, Clock clock, Duration clockSkew) {
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("clock skew must be 0 to " + MAX_CLOCK_SKEW + ", was " + clockSkew);
        }
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(SigningKeys.ALGORITHM,
                new ImmutableJWKSet<>(publicKeys.toPublicJWKSet())));
        // Claims are checked below, one by one, so that each refusal has its own clear reason.
        p.setJWTClaimsSetVerifier(null);
        this.processor = p;
        this.clock = clock;
        this.clockSkew = clockSkew;
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
        return checkClaims(process(token), AUDIENCE);
    }

    /**
     * Verifies a one-time bootstrap token (signature and claims; single use is the store's job).
     *
     * @throws InvalidTokenException with a short reason (never the token itself)
     */
    public BootstrapGrant verifyBootstrap(String token) throws InvalidTokenException {
        JWTClaimsSet claims = process(token);
        Principal p = checkClaims(claims, BOOTSTRAP_AUDIENCE);
        Object ws = claims.getClaim(WORKSPACE_CLAIM);
        Object host = claims.getClaim(HOST_CLAIM);
        if (!(ws instanceof String workspaceId) || !(host instanceof String hostname)) {
            throw new InvalidTokenException("bootstrap token lacks its workspace");
        }
        return new BootstrapGrant(p.user(), workspaceId, hostname, p.tokenId(), p.issuedAt(), p.expiresAt());
    }

    private JWTClaimsSet process(String token) throws InvalidTokenException {
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
        } catch (BadJOSEException e) {
            throw new InvalidTokenException(joseReason(e.getMessage()));
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new InvalidTokenException("token cannot be verified");
        }
        return claims;
    }

    private Principal checkClaims(JWTClaimsSet claims, String audience) throws InvalidTokenException {
        if (claims.getSubject() == null || claims.getExpirationTime() == null || claims.getIssueTime() == null
                || claims.getJWTID() == null) {
            throw new InvalidTokenException("token lacks required claims");
        }
        if (!ISSUER.equals(claims.getIssuer())) {
            throw new InvalidTokenException("token has the wrong issuer");
        }
        if (claims.getAudience() == null || !claims.getAudience().equals(java.util.List.of(audience))) {
            throw new InvalidTokenException("token has the wrong audience");
        }
        Instant now = clock.instant();
        Instant exp = claims.getExpirationTime().toInstant();
        Instant iat = claims.getIssueTime().toInstant();
        if (!now.isBefore(exp.plus(clockSkew))) {
            throw new InvalidTokenException("token expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (iat.minus(clockSkew).isAfter(now) || (nbf != null && nbf.toInstant().minus(clockSkew).isAfter(now))) {
            throw new InvalidTokenException("token not yet valid");
        }
        String user = claims.getSubject();
        if (!DnsLabel.isValid(user)) {
            throw new InvalidTokenException("token subject is not a valid user id");
        }
        return new Principal(user, claims.getJWTID(), iat, exp);
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
