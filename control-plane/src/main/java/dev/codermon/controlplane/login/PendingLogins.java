package dev.codermon.controlplane.login;

import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.Nonce;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the sign-ins in progress: each {@code state} with its nonce and PKCE verifier, used once and
 * for at most ten minutes. Bounded, so that a flood of sign-in starts cannot exhaust memory. Thread-safe.
 */
final class PendingLogins {

    static final Duration LIFETIME = Duration.ofMinutes(10);
    private static final int MAX = 10_000;

    record Pending(State state, Nonce nonce, CodeVerifier verifier, Instant expiresAt) {
    }

    private final Map<String, Pending> byState = new ConcurrentHashMap<>();
    private final Clock clock;

    PendingLogins(Clock clock) {
        this.clock = clock;
    }

    /** Starts a sign-in with fresh state, nonce and verifier. */
    Pending begin() {
        Instant now = clock.instant();
        if (byState.size() >= MAX) {
            byState.values().removeIf(p -> !now.isBefore(p.expiresAt()));
            if (byState.size() >= MAX) {
                throw new LoginFailure(503, "too many sign-ins in progress; try again in a few minutes");
            }
        }
        Pending p = new Pending(new State(), new Nonce(), new CodeVerifier(), now.plus(LIFETIME));
        byState.put(p.state().getValue(), p);
        return p;
    }

    /** Takes the sign-in with this state, once; empty if unknown, used or expired. */
    Optional<Pending> take(String state) {
        Pending p = byState.remove(state);
        return p == null || !clock.instant().isBefore(p.expiresAt()) ? Optional.empty() : Optional.of(p);
    }
}
