package dev.codermon.controlplane.login;

import com.nimbusds.openid.connect.sdk.claims.ClaimsSet;

/** Is what the provider answered when asked to refresh a person's tokens. */
sealed interface RefreshAnswer {

    /**
     * The provider refreshed the tokens.
     *
     * @param claims       the refreshed ID token's claims (validated), or userinfo's, or null if it sent neither
     * @param subject      the subject those claims name, or null with no claims
     * @param refreshToken the refresh token to keep from now on (rotated or the same)
     */
    record Refreshed(ClaimsSet claims, String subject, String refreshToken) implements RefreshAnswer {
        @Override
        public String toString() {
            return "Refreshed[subject=" + subject + ", refreshToken=(hidden)]";
        }
    }

    /**
     * The token endpoint answered with an OAuth error.
     *
     * @param error       its code, e.g. {@code invalid_grant}
     * @param description its description, or null
     */
    record Refused(String error, String description) implements RefreshAnswer {
    }

    /** The provider could not be asked or its answer not understood: down, slow, or broken for now. */
    record Unavailable(String why) implements RefreshAnswer {
    }
}
