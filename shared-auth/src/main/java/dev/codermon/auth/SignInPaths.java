package dev.codermon.auth;

/**
 * Names the proxy's own paths on every workspace host, which the control plane links to: a one-time link
 * {@code http://<workspace-host>/__codermon/auth?token=<bootstrap token>} signs a browser in, and
 * {@code /__codermon/login?return=<path>} carries a signed-in browser over to https. The proxy answers
 * these two paths itself and never forwards them; other paths under {@value #PREFIX} are ordinary
 * workspace paths.
 */
public final class SignInPaths {

    /** Every path the proxy answers itself starts with this. */
    public static final String PREFIX = "/__codermon";
    /** Redeems a bootstrap token ({@value #TOKEN_PARAMETER}) or a hand-over code, sets the session cookie. */
    public static final String AUTH = PREFIX + "/auth";
    /** Carries a signed-in browser from http to https. */
    public static final String LOGIN = PREFIX + "/login";
    /** The query parameter of {@link #AUTH} that carries the bootstrap token. */
    public static final String TOKEN_PARAMETER = "token";

    private SignInPaths() {
    }

    /** Returns the sign-in link the control plane hands out: {@code <hostname>/__codermon/auth?token=<token>}. */
    public static String bootstrapLink(String hostname, String token) {
        return hostname + AUTH + "?" + TOKEN_PARAMETER + "=" + token;
    }
}
