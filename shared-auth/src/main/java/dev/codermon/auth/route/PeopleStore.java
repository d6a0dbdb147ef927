package dev.codermon.auth.route;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Keeps the people who sign in through OpenID Connect, their console sessions and their personal tokens
 * (the control plane only). Every method may block on I/O; failures throw {@link RouteStoreException}.
 */
public interface PeopleStore {

    /**
     * Records a sign-in: updates the person with this issuer and subject, or creates them with the first
     * name from {@code candidates} that nobody else has and that {@code taken} does not refuse. Atomic, so
     * two people never get one name.
     *
     * @return the person as stored
     */
    PersonRecord signIn(String issuer, String subject, String email, String role, Instant at,
            List<String> candidates, Predicate<String> taken);

    /** Returns the person with this Codermon name, if any. */
    Optional<PersonRecord> findPerson(String name);

    /** Returns the person with this issuer and subject, if any. */
    Optional<PersonRecord> findPerson(String issuer, String subject);

    /** Marks the person disabled (or enabled again). */
    void setDisabled(String name, boolean disabled);

    /**
     * Keeps the provider's refresh token for the person, replacing the one kept before; null forgets it.
     * It is a secret: kept in the store only (which workspaces cannot read), never logged.
     */
    void setRefreshToken(String name, String refreshToken, Instant at);

    /** Returns the refresh tokens of the people who are not disabled, by Codermon name. */
    Map<String, String> refreshTokens();

    void createConsoleSession(ConsoleSession session);

    Optional<ConsoleSession> findConsoleSession(String idHash);

    /** Ends one console session. */
    void deleteConsoleSession(String idHash);

    /** Ends every console session of the user. */
    void deleteConsoleSessions(String user);

    void addPersonalToken(PersonalToken token);

    /** Returns the user's personal tokens, newest first. */
    List<PersonalToken> personalTokens(String user);

    /**
     * Marks the user's personal token revoked and refuses it everywhere ({@link RevocationKeys#token}).
     *
     * @return the token as it was, or empty if the user has no such token
     */
    Optional<PersonalToken> revokePersonalToken(String user, String tokenId, Instant at);
}
