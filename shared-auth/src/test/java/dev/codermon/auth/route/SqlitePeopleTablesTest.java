package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlitePeopleTablesTest {

    private static final List<String> ALICE = List.of("alice", "alice-2", "alice-3");

    @TempDir
    Path dir;

    @Test
    void a_person_keeps_their_name_and_two_people_never_share_one() {
        try (SqliteRouteStore store = SqliteRouteStore.open(dir.resolve("routes.db"))) {
            PeopleStore people = store.people();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            assertEquals("alice", people.signIn("https://idp", "1", "a@x", "user", now, ALICE, n -> false).name());
            assertEquals("alice-2", people.signIn("https://idp", "2", "b@x", "user", now, ALICE, n -> false).name());
            assertEquals("alice-3", people.signIn("https://other", "1", "c@x", "user", now, ALICE,
                    n -> n.equals("alice-2")).name(), "same subject at another issuer is another person");
            PersonRecord again = people.signIn("https://idp", "1", "new@x", "admin", now, ALICE, n -> true);
            assertEquals("alice", again.name());
            assertEquals("admin", people.findPerson("alice").orElseThrow().role());
            assertEquals("new@x", people.findPerson("https://idp", "1").orElseThrow().email());
        }
    }

    @Test
    void revoking_a_user_ends_their_console_sessions_and_one_token_is_revoked_by_its_id() {
        try (SqliteRouteStore store = SqliteRouteStore.open(dir.resolve("routes.db"))) {
            PeopleStore people = store.people();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            people.createConsoleSession(new ConsoleSession("h1", "alice", "user", "csrf", now, now.plusSeconds(60)));
            assertTrue(people.findConsoleSession("h1").isPresent());
            store.revokeTokens("alice", now.plusSeconds(1));
            assertTrue(people.findConsoleSession("h1").isEmpty());

            people.addPersonalToken(new PersonalToken("t1", "alice", "cli", now, now.plusSeconds(3600), null));
            assertTrue(people.revokePersonalToken("bob", "t1", now).isEmpty(), "only its owner revokes it");
            assertTrue(people.revokePersonalToken("alice", "t1", now).isPresent());
            assertEquals(now, people.personalTokens("alice").get(0).revokedAt());
            Instant until = store.revocations().get(RevocationKeys.token("t1"));
            assertTrue(until.isAfter(now.plusSeconds(3600)), "refused until it could no longer verify anyway");
        }
    }

    @Test
    void a_refresh_token_is_kept_replaced_forgotten_and_not_listed_for_disabled_people() {
        try (SqliteRouteStore store = SqliteRouteStore.open(dir.resolve("routes.db"))) {
            PeopleStore people = store.people();
            Instant now = Instant.now();
            people.signIn("https://idp", "1", "a@x", "user", now, ALICE, n -> false);
            people.signIn("https://idp", "2", "b@x", "user", now, List.of("bob"), n -> false);
            people.setRefreshToken("alice", "rt-1", now);
            people.setRefreshToken("bob", "rt-b", now);
            people.setRefreshToken("alice", "rt-2", now);
            assertEquals(java.util.Map.of("alice", "rt-2", "bob", "rt-b"), people.refreshTokens(),
                    "one token a person, the newest");
            people.setDisabled("bob", true);
            assertEquals(java.util.Map.of("alice", "rt-2"), people.refreshTokens(), "a disabled person is not listed");
            people.setRefreshToken("alice", null, now);
            assertEquals(java.util.Map.of(), people.refreshTokens());
        }
        try (SqliteRouteStore reopened = SqliteRouteStore.open(dir.resolve("routes.db"))) {
            reopened.people().setDisabled("bob", false);
            assertEquals(java.util.Map.of("bob", "rt-b"), reopened.people().refreshTokens(), "kept across restarts");
        }
    }
}
