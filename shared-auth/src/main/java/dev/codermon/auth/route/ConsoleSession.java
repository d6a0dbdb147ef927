package dev.codermon.auth.route;

import java.time.Instant;

/**
 * Is a signed-in person's console session: its cookie's hash (never the cookie itself), and the CSRF value
 * the console page must send with every call.
 */
public record ConsoleSession(String idHash, String user, String role, String csrf, Instant createdAt,
        Instant expiresAt) {

    @Override
    public String toString() {
        return "ConsoleSession[user=" + user + ", role=" + role + ", expiresAt=" + expiresAt + "]";
    }
}
