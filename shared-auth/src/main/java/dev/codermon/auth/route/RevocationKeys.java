package dev.codermon.auth.route;

/**
 * Names the keys of the revocations table: a user id (every token and session of the user issued before
 * the time is refused) or {@code token:<jti>} (that one token is refused until the time, its expiry). A
 * user id is a DNS label and never holds a colon, so the two cannot collide.
 */
public final class RevocationKeys {

    private static final String TOKEN_PREFIX = "token:";

    private RevocationKeys() {
    }

    /** Returns the key that revokes one token by its id. */
    public static String token(String tokenId) {
        return TOKEN_PREFIX + tokenId;
    }

    /** Returns the token id a key revokes, or null if the key is a user's. */
    public static String tokenIdOf(String key) {
        return key.startsWith(TOKEN_PREFIX) ? key.substring(TOKEN_PREFIX.length()) : null;
    }
}
