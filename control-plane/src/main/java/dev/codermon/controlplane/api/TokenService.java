package dev.codermon.controlplane.api;

import dev.codermon.auth.DnsLabel;
import dev.codermon.auth.DurationText;
import dev.codermon.auth.IssuedToken;
import dev.codermon.auth.SignInPaths;
import dev.codermon.auth.TokenIssuer;
import dev.codermon.auth.route.TokenRevocations;
import dev.codermon.auth.route.WorkspaceRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mints user tokens (never longer-lived than the configured maximum) and one-time browser links, and
 * revokes a user's tokens.
 *
 * <p>Token {@code iat} has one-second resolution, so a revocation at {@code t} refuses everything issued
 * before the next whole second after {@code t}: every token issued up to the revocation is refused, never
 * one issued after it in a later second. So that no token it hands out is refused on arrival, a token
 * minted for a user in the second of their revocation waits (at most a second) until that second ends.
 */
public final class TokenService {

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);

    /**
     * A one-time link that opens a workspace in a browser, through the proxy.
     *
     * @param url      the plain-HTTP link
     * @param httpsUrl the same link over HTTPS
     */
    record BootstrapLink(String url, String httpsUrl, Instant expiresAt) {
        @Override
        public String toString() {
            return "BootstrapLink[expiresAt=" + expiresAt + "]";
        }
    }

    /**
     * Reports a revocation.
     *
     * @param user          whose tokens were revoked
     * @param revokedBefore tokens and sessions issued before this time are refused
     */
    record Revocation(String user, Instant revokedBefore) {
    }

    private final TokenIssuer issuer;
    private final Duration maxTtl;
    private final Duration bootstrapTtl;
    private final TokenRevocations store;
    private final Clock clock;

    /**
     * Creates the service.
     *
     * @param maxTtl       the default and maximum lifetime of user tokens
     * @param bootstrapTtl the lifetime of one-time browser links
     * @param store        where revocations are kept
     */
    public TokenService(TokenIssuer issuer, Duration maxTtl, Duration bootstrapTtl, TokenRevocations store, Clock clock) {
        this.issuer = issuer;
        this.maxTtl = maxTtl;
        this.bootstrapTtl = bootstrapTtl;
        this.store = store;
        this.clock = clock;
    }

    /**
     * Issues a token for the user.
     *
     * @param ttl the requested lifetime (e.g. {@code 30m}), or null for the maximum
     * @throws ApiException 400 if the user or lifetime is invalid
     */
    IssuedToken issue(String user, String ttl) {
        requireUser(user);
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
        waitOutRevocation(user);
        IssuedToken token = issuer.issue(user, lifetime);
        log.info("issued token {} for {} until {}", token.tokenId(), user, token.expiresAt());
        return token;
    }

    /**
     * Issues a one-time link that opens a host of the running workspace (its own, or an app host
     * {@code <port>.<workspace host>}) in a browser; the session it opens is for that host alone.
     */
    BootstrapLink link(WorkspaceRecord running, String hostname) {
        IssuedToken token = issuer.issueBootstrap(running.user(), running.id(), hostname, bootstrapTtl);
        log.info("issued browser link {} for {} of workspace {} ({}/{}) until {}", token.tokenId(), hostname,
                running.id(), running.user(), running.name(), token.expiresAt());
        String path = SignInPaths.bootstrapLink(hostname, token.token());
        return new BootstrapLink("http://" + path, "https://" + path, token.expiresAt());
    }

    /**
     * Revokes a user's tokens and sessions: the admin names the user, a user may name only themself (or
     * nobody, meaning themself).
     *
     * @throws ApiException 400 if the admin names no valid user, 403 if a user names someone else
     */
    Revocation revoke(Caller caller, String requestedUser) {
        String user;
        if (caller.admin()) {
            if (requestedUser == null) {
                throw ApiException.badRequest("invalid_user", "name the user whose tokens to revoke:"
                        + " {\"user\":\"alice\"}");
            }
            requireUser(requestedUser);
            user = requestedUser;
        } else {
            if (requestedUser != null && !requestedUser.equals(caller.user())) {
                throw new ApiException(403, "forbidden", "a user token can revoke only its own user's tokens;"
                        + " send an empty body, or ask an admin");
            }
            user = caller.user();
        }
        Instant revokedBefore = clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        store.revokeTokens(user, revokedBefore);
        log.info("revoked tokens and sessions of {} issued before {} (by {})", user, revokedBefore,
                caller.admin() ? "the admin" : "the user");
        return new Revocation(user, revokedBefore);
    }

    /**
     * Revokes every token and session of the user (console sessions included): the person signed out, or
     * their identity provider no longer lets them in.
     *
     * @return the time before which their credentials are refused
     */
    public Instant revokeAll(String user, String why) {
        Instant revokedBefore = clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        store.revokeTokens(user, revokedBefore);
        log.info("revoked tokens and sessions of {} issued before {} ({})", user, revokedBefore, why);
        return revokedBefore;
    }

    private void waitOutRevocation(String user) {
        Instant revokedBefore = store.revocations().get(user);
        if (revokedBefore == null) {
            return;
        }
        Instant now = clock.instant();
        if (now.truncatedTo(ChronoUnit.SECONDS).isBefore(revokedBefore)) {
            long waitMs = Duration.between(now, revokedBefore).toMillis() + 1;
            if (waitMs > 0 && waitMs <= 2_000) {
                try {
                    Thread.sleep(waitMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting out a revocation", e);
                }
            }
        }
    }

    private static void requireUser(String user) {
        try {
            DnsLabel.require("user", user);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_user", e.getMessage());
        }
    }
}
