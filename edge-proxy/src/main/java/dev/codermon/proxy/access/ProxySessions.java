package dev.codermon.proxy.access;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.codermon.auth.BootstrapGrant;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.auth.route.SessionStore;
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
 * Opens browser sessions from one-time sign-in links and handoff codes, and finds them again by
 * cookie value. The store sees only the SHA-256 of a cookie value; every store call runs on the given
 * executor, and lookups are cached briefly (expiry and revocation are checked by the caller on every
 * request). Thread-safe.
 *
 * <p>A handoff code carries a browser that proved its proxy credentials over plain http to a session
 * opened over https (browsers keep cookies per scheme). It is a row of the sessions table that lives
 * {@link #HANDOFF_TTL}, stored under the SHA-256 of {@code handoff:} and the code, a value no cookie
 * hashes to (cookie values never contain a colon), so a code never works as a cookie; redeeming it
 * marks it used in the store's single-use marks, so each code opens one session, on whichever proxy
 * of the store it is redeemed. Revocation deletes it with the user's sessions; pruning removes it.
 */
public final class ProxySessions {

    private static final int ID_BYTES = 32;
    private static final int ID_LENGTH = 43;
    private static final Duration CACHE_FOR = Duration.ofSeconds(30);
    private static final long MAX_CACHED = 10_000;
    /** How long a handoff code may take from the http login to the https sign-in (one browser redirect). */
    public static final Duration HANDOFF_TTL = Duration.ofSeconds(30);
    private static final String HANDOFF_HASH_PREFIX = "handoff:";
    private static final String HANDOFF_MARK_PREFIX = "handoff-code:";

    private final SessionStore store;
    private final Executor executor;
    private final Clock clock;
    private final Duration ttl;
    private final SecureRandom random = new SecureRandom();
    private final AsyncLoadingCache<String, Optional<ProxySession>> byHash;

    public ProxySessions(SessionStore store, Executor executor, Clock clock, Duration ttl) {
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
            return Optional.of(createSession(grant.user(), grant.hostname()));
        }, executor);
    }

    /**
     * Mints a handoff code that opens a session for the user at exactly this host when redeemed once,
     * within {@link #HANDOFF_TTL}. The caller has checked that the user owns the host.
     *
     * @return the code (43 base64url characters); the store keeps only a hash of it
     */
    public CompletableFuture<String> mintHandoff(String user, String hostname) {
        return CompletableFuture.supplyAsync(() -> {
            String code = randomValue();
            Instant now = clock.instant();
            store.createSession(new ProxySession(handoffHash(code), user, hostname, now, now.plus(HANDOFF_TTL)));
            return code;
        }, executor);
    }

    /**
     * Redeems a handoff code at a host: it must have been minted for exactly this host, be unexpired,
     * unrevoked and unused; then it is marked used and a new session opens.
     */
    public CompletableFuture<Redemption> redeemHandoff(String code, String hostname, Revocations revocations) {
        if (!isWellFormed(code)) {
            return CompletableFuture.completedFuture(Redemption.of(Outcome.UNKNOWN_OR_EXPIRED));
        }
        return CompletableFuture.supplyAsync(() -> {
            String idHash = handoffHash(code);
            Optional<ProxySession> found = store.findSession(idHash);
            if (found.isEmpty() || !clock.instant().isBefore(found.get().expiresAt())) {
                return Redemption.of(Outcome.UNKNOWN_OR_EXPIRED);
            }
            ProxySession handoff = found.get();
            if (!handoff.hostname().equals(hostname)) {
                return Redemption.of(Outcome.OTHER_HOST);
            }
            if (revocations.isRevoked(handoff.user(), handoff.createdAt())) {
                return Redemption.of(Outcome.REVOKED);
            }
            if (!store.consumeToken(HANDOFF_MARK_PREFIX + idHash, handoff.expiresAt())) {
                return Redemption.of(Outcome.ALREADY_USED);
            }
            return new Redemption(Outcome.REDEEMED, handoff.user(), createSession(handoff.user(), hostname));
        }, executor);
    }

    /** Says what became of a handoff code. */
    public enum Outcome { REDEEMED, UNKNOWN_OR_EXPIRED, OTHER_HOST, REVOKED, ALREADY_USED }

    /**
     * Carries the outcome of redeeming a handoff code.
     *
     * @param user   whom the new session speaks for; null unless redeemed
     * @param cookie the new session's cookie value; null unless redeemed
     */
    public record Redemption(Outcome outcome, String user, String cookie) {

        static Redemption of(Outcome refused) {
            return new Redemption(refused, null, null);
        }
    }

    /** Opens a session in the store and returns its cookie value; runs on the executor. */
    private String createSession(String user, String hostname) {
        String value = randomValue();
        Instant now = clock.instant();
        ProxySession session = new ProxySession(hash(value), user, hostname, now, now.plus(ttl));
        store.createSession(session);
        byHash.put(session.idHash(), CompletableFuture.completedFuture(Optional.of(session)));
        return value;
    }

    private String randomValue() {
        byte[] id = new byte[ID_BYTES];
        random.nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
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

    /** Returns the store key of a handoff code, which no cookie value hashes to. */
    static String handoffHash(String code) {
        return hash(HANDOFF_HASH_PREFIX + code);
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
