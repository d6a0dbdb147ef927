package dev.codermon.proxy.access;

import dev.codermon.proxy.http.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads a {@code Proxy-Authorization} header: {@code Basic base64(user:token)} or {@code Bearer token}.
 *
 * @param claimedUser the user name from Basic credentials, empty when none was given
 * @param token       the token to verify
 */
record ProxyCredentials(String claimedUser, String token) {

    private static final String BASIC = "Basic";
    private static final String BEARER = "Bearer";

    /**
     * Parses the header value.
     *
     * @throws CredentialsException with a short reason when the header is missing or unusable
     */
    static ProxyCredentials parse(String header) throws CredentialsException {
        if (header == null || header.isBlank()) {
            throw new CredentialsException(Refusal.AUTH_REQUIRED.reason());
        }
        String value = header.strip();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        String rest = space < 0 ? "" : value.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase(BEARER)) {
            if (rest.isEmpty()) {
                throw new CredentialsException("missing token");
            }
            return new ProxyCredentials("", rest);
        }
        if (scheme.equalsIgnoreCase(BASIC)) {
            return parseBasic(rest);
        }
        throw new CredentialsException("unsupported proxy authorization scheme; use Basic or Bearer");
    }

    private static ProxyCredentials parseBasic(String encoded) throws CredentialsException {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new CredentialsException("malformed Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new CredentialsException("malformed Basic credentials");
        }
        String token = decoded.substring(colon + 1);
        if (token.isEmpty()) {
            throw new CredentialsException("missing token");
        }
        return new ProxyCredentials(decoded.substring(0, colon), token);
    }

    @Override
    public String toString() {
        // Never let a token reach a log line through toString().
        return "ProxyCredentials[claimedUser=" + claimedUser + "]";
    }

    /** Signals unusable credentials; the message is a short reason fit to show to the caller. */
    static final class CredentialsException extends Exception {

        CredentialsException(String reason) {
            super(reason, null, false, false);
        }
    }
}
