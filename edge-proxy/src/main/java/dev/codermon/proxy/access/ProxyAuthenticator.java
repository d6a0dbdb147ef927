package dev.codermon.proxy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.codermon.auth.InvalidTokenException;
import dev.codermon.auth.Principal;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.proxy.http.Refusal;
import java.time.Clock;
import java.time.Duration;

/**
 * Turns a {@code Proxy-Authorization} header into a principal, remembering successful verifications
 * until the token expires so that a busy connection does not pay a signature check per request: the
 * proxy's one credential cache, keyed by the whole header.
 *
 * <p>Only successes are cached; every call still checks expiry and revocation ({@link #requireValid},
 * the one such check, for session principals too).
 * Thread-safe.
 */
public final class ProxyAuthenticator {

    private static final long MAX_CACHED_TOKENS = 10_000;

    private final TokenVerifier verifier;
    private final Revocations revocations;
    private final Clock clock;
    private final Cache<String, Principal> verified;

    public ProxyAuthenticator(TokenVerifier verifier, Revocations revocations, Clock clock) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.clock = clock;
        this.verified = Caffeine.newBuilder()
                .maximumSize(MAX_CACHED_TOKENS)
                .expireAfter(Expiry.creating((String token, Principal p) -> untilExpiry(p)))
                .build();
    }

    public ProxyAuthenticator(TokenVerifier verifier, Clock clock) {
        this(verifier, new Revocations(), clock);
    }

    public ProxyAuthenticator(TokenVerifier verifier) {
        this(verifier, Clock.systemUTC());
    }

    /**
     * Verifies the header and returns whom it speaks for.
     *
     * @throws AuthenticationException with a short reason for a 407 answer
     */
    public Principal authenticate(String proxyAuthorization) throws AuthenticationException {
        // Keyed by the whole header: a busy connection repeats it, and a hit needs no decoding.
        Principal cached = proxyAuthorization == null ? null : verified.getIfPresent(proxyAuthorization);
        if (cached != null) {
            requireValid(cached);
            return cached;
        }
        ProxyCredentials credentials;
        try {
            credentials = ProxyCredentials.parse(proxyAuthorization);
        } catch (ProxyCredentials.CredentialsException e) {
            throw new AuthenticationException(e.getMessage());
        }
        Principal principal;
        try {
            principal = verifier.verify(credentials.token());
        } catch (InvalidTokenException e) {
            throw new AuthenticationException(e.getMessage());
        }
        requireValid(principal);
        if (!credentials.claimedUser().isEmpty() && !credentials.claimedUser().equals(principal.user())) {
            throw new AuthenticationException("user name does not match the token");
        }
        verified.put(proxyAuthorization, principal);
        return principal;
    }

    /**
     * Checks that an already verified principal (a tunnel's) is still valid.
     *
     * @throws AuthenticationException once its token has expired or been revoked
     */
    public void requireValid(Principal principal) throws AuthenticationException {
        // Milliseconds, not an Instant: called for every request, and this allocates nothing.
        if (clock.millis() >= principal.expiresAt().toEpochMilli()) {
            throw new AuthenticationException("token expired");
        }
        if (revocations.isRevoked(principal.user(), principal.issuedAt())) {
            throw new AuthenticationException(Refusal.TOKEN_REVOKED.reason());
        }
    }

    private Duration untilExpiry(Principal principal) {
        Duration left = Duration.between(clock.instant(), principal.expiresAt());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Signals that a request is not authenticated; the message is a short reason for the 407. */
    public static final class AuthenticationException extends Exception {

        public AuthenticationException(String reason) {
            super(reason, null, false, false);
        }

        /** Returns the refusal to answer with. */
        public Refusal refusal() {
            return Refusal.authentication(getMessage());
        }
    }
}
