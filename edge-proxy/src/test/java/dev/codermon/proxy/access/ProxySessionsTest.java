package dev.codermon.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.ProxySession;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.proxy.access.ProxySessions.Outcome;
import dev.codermon.proxy.access.ProxySessions.Redemption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxySessionsTest {

    private static final String HOST = "main.alice.codermon.internal";

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-01T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final SqliteRouteStore store;
    private final ProxySessions sessions;
    private final Revocations revocations = new Revocations();

    ProxySessionsTest(@TempDir Path dir) {
        store = SqliteRouteStore.open(dir.resolve("routes.db"));
        sessions = new ProxySessions(store, Runnable::run, clock, Duration.ofHours(12));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Redemption redeem(String code, String host) {
        return sessions.redeemHandoff(code, host, revocations).join();
    }

    @Test
    void handoff_code_opens_one_session_for_its_user_and_host() {
        String code = sessions.mintHandoff("alice", HOST).join();
        assertEquals(43, code.length());
        Redemption redeemed = redeem(code, HOST);
        assertEquals(Outcome.REDEEMED, redeemed.outcome());
        assertEquals("alice", redeemed.user());
        assertNotEquals(code, redeemed.cookie());
        Optional<ProxySession> session = sessions.find(redeemed.cookie()).join();
        assertTrue(session.isPresent());
        assertEquals("alice", session.get().user());
        assertEquals(HOST, session.get().hostname());
        assertEquals(now.get().plus(Duration.ofHours(12)), session.get().expiresAt());
        assertTrue(sessions.isValidFor(session.get(), HOST));
    }

    @Test
    void handoff_code_is_single_use() {
        String code = sessions.mintHandoff("alice", HOST).join();
        assertEquals(Outcome.REDEEMED, redeem(code, HOST).outcome());
        Redemption replay = redeem(code, HOST);
        assertEquals(Outcome.ALREADY_USED, replay.outcome());
        assertNull(replay.cookie());
    }

    @Test
    void handoff_code_expires_after_thirty_seconds() {
        String code = sessions.mintHandoff("alice", HOST).join();
        now.set(now.get().plus(ProxySessions.HANDOFF_TTL));
        assertEquals(Outcome.UNKNOWN_OR_EXPIRED, redeem(code, HOST).outcome());
        // Still unused: one second earlier it would have worked.
        String fresh = sessions.mintHandoff("alice", HOST).join();
        now.set(now.get().plus(ProxySessions.HANDOFF_TTL).minusSeconds(1));
        assertEquals(Outcome.REDEEMED, redeem(fresh, HOST).outcome());
    }

    @Test
    void handoff_code_is_for_its_host_only() {
        String code = sessions.mintHandoff("alice", HOST).join();
        assertEquals(Outcome.OTHER_HOST, redeem(code, "down.alice.codermon.internal").outcome());
    }

    @Test
    void handoff_code_minted_before_a_revocation_is_refused() {
        String code = sessions.mintHandoff("alice", HOST).join();
        revocations.update(Map.of("alice", now.get().plusMillis(1)));
        assertEquals(Outcome.REVOKED, redeem(code, HOST).outcome());
        // Revoking in the store deletes the code with the user's sessions.
        store.revokeTokens("alice", now.get().plusMillis(1));
        revocations.update(Map.of());
        assertEquals(Outcome.UNKNOWN_OR_EXPIRED, redeem(code, HOST).outcome());
    }

    @Test
    void unknown_and_malformed_codes_are_refused_without_a_session() {
        assertEquals(Outcome.UNKNOWN_OR_EXPIRED, redeem("A".repeat(43), HOST).outcome());
        assertEquals(Outcome.UNKNOWN_OR_EXPIRED, redeem("not a code", HOST).outcome());
        assertEquals(Outcome.UNKNOWN_OR_EXPIRED, redeem(null, HOST).outcome());
    }

    @Test
    void handoff_code_never_works_as_a_session_cookie() {
        String code = sessions.mintHandoff("alice", HOST).join();
        assertTrue(sessions.find(code).join().isEmpty());
        // The store keeps neither the code nor its plain hash.
        assertTrue(store.findSession(ProxySessions.hash(code)).isEmpty());
        assertTrue(store.findSession(ProxySessions.handoffHash(code)).isPresent());
    }
}
