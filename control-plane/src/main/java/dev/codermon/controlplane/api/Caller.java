package dev.codermon.controlplane.api;

import dev.codermon.auth.Principal;

/**
 * Says who made an API call: the admin (admin key) or a user (user token).
 *
 * @param principal the user's verified token, or null for the admin
 */
record Caller(Principal principal) {

    static final Caller ADMIN = new Caller(null);

    boolean admin() {
        return principal == null;
    }

    /** Returns the user, or null for the admin. */
    String user() {
        return principal == null ? null : principal.user();
    }
}
