package dev.codermon.controlplane.api;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.ConsoleSession;

/**
 * Says who made an API call: the admin (admin key), a user (user token), or a person signed in to the
 * console through OpenID Connect (console session).
 *
 * @param principal the user's verified token, or null for the admin
 * @param session   the console session, or null for a token or the admin key
 */
record Caller(Principal principal, ConsoleSession session) {

    static final Caller ADMIN = new Caller(null, null);

    Caller(Principal principal) {
        this(principal, null);
    }

    boolean admin() {
        return principal == null;
    }

    /** Returns the user, or null for the admin. */
    String user() {
        return principal == null ? null : principal.user();
    }

    /** Returns whether a person signed in to the console through OpenID Connect made the call. */
    boolean person() {
        return session != null;
    }

    /** Returns whether the caller may see everyone's live traffic: the admin key or the admin role. */
    boolean seesAllTraffic() {
        return admin() || (session != null && "admin".equals(session.role()));
    }
}
