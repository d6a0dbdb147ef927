package dev.codermon.proxy.access;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.codermon.auth.BootstrapGrant;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.auth.route.RouteStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Opens browser sessions from one-time sign-in links and finds them again by cookie value. The store
 * sees only the SHA-256 of a cookie value; every store call runs on the given executor, and lookups
 * are cached briefly (expiry and revocation are checked by the caller on every request). Thread-safe.
 */
public final class ProxySessions {

    private static final int ID_BYTES = 32;
    private static final int ID_LENGTH = 43;
    private static final Duration CACHE_FOR = Duration.ofSeconds(30);
    private static final long MAX_CACHED = 10_000;

    private final RouteStore store;
    private final Executor executor;
    private final Clock clock;
    private final Duration ttl;
    private final SecureRandom random = new SecureRandom();
    private final AsyncLoadingCache<String, Optional<ProxySession>> byHash;

    public ProxySessions(RouteStore store, Executor executor, Clock clock, Duration ttl) {
        this.store = store;
        this.executor = executor;
        this.clock = clock;
        this.ttl = ttl;
        this.byHash = Caffeine.newBuilder()
                .executor(executor)
                .maximumSize(MAX_CACHED)
                .expireAfterWrite(CACHE_FOR)
                .buildAsync(store::findSession);
    }

    /** Returns how long a new session lasts (the cookie's Max-Age). */
    public Duration ttl() {
        return ttl;
    }

    /**
     * Finds the session a cookie value names; empty for unknown or malformed values (which never
     * reach the store). Fails only if the store cannot answer.
     */
    public CompletableFuture<Optional<ProxySession>> find(String cookieValue) {
        if (!isWellFormed(cookieValue)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return byHash.get(hash(cookieValue));
    }

    /**
     * Consumes the grant's one-time token and opens a session for its host.
     *
     * @return the new cookie value, or empty if the token was already used
     */
    public CompletableFuture<Optional<String>> open(BootstrapGrant grant) {
        return CompletableFuture.supplyAsync(() -> {
            if (!store.consumeToken(grant.tokenId(), grant.expiresAt())) {
                return Optional.empty();
            }
            byte[] id = new byte[ID_BYTES];
            random.nextBytes(id);
            String value = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
            Instant now = clock.instant();
            ProxySession session = new ProxySession(hash(value), grant.user(), grant.hostname(), now, now.plus(ttl));
            store.createSession(session);
            byHash.put(session.idHash(), CompletableFuture.completedFuture(Optional.of(session)));
            return Optional.of(value);
        }, executor);
    }

    /** Returns whether the session may still be used now for the host. */
    public boolean isValidFor(ProxySession session, String hostname) {
        return session.hostname().equals(hostname) && clock.instant().isBefore(session.expiresAt());
    }

    /** Returns the hex SHA-256 of a cookie value, as the store keeps it. */
    static String hash(String cookieValue) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(cookieValue.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static boolean isWellFormed(String value) {
        if (value == null || value.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
