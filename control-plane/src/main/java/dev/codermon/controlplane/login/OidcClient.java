package dev.codermon.controlplane.login;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCScopeValue;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.token.OIDCTokens;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.List;

/**
 * Speaks OpenID Connect to the provider through Nimbus's SDK: discovery, the authorization request (code flow
 * with PKCE S256, state and nonce), the code exchange and full validation of the ID token against the
 * provider's JWKS ({@code iss}, {@code aud}, {@code exp}, {@code iat}, {@code nonce}, signature). Every call
 * to the provider has the configured connect and read timeout.
 */
final class OidcClient {

    private final OidcSettings settings;
    private final int timeoutMs;
    private volatile Discovered discovered;

    record Discovered(OIDCProviderMetadata metadata, IDTokenValidator validator) {
    }

    /** Is what a sign-in's code exchange gave: the validated ID token and the refresh token, or null if none. */
    record Exchanged(IDTokenClaimsSet claims, String refreshToken) {
        @Override
        public String toString() {
            return "Exchanged[subject=" + claims.getSubject() + ", refreshToken=" + (refreshToken == null ? "none"
                    : "(hidden)") + "]";
        }
    }

    OidcClient(OidcSettings settings) {
        this.settings = settings;
        this.timeoutMs = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
    }

    /** Returns the authorization URL to send the browser to for this login's state, nonce and verifier. */
    URI authorizationUrl(State state, Nonce nonce, CodeVerifier verifier) {
        OIDCProviderMetadata metadata = discover().metadata();
        Scope scope = new Scope(settings.scopes().toArray(String[]::new));
        boolean offline = asksOffline(metadata);
        if (offline) {
            scope.add(OIDCScopeValue.OFFLINE_ACCESS);
        } else {
            scope.remove(OIDCScopeValue.OFFLINE_ACCESS);
        }
        return new AuthenticationRequest.Builder(ResponseType.CODE, scope,
                new ClientID(settings.clientId()), settings.redirectUri())
                .endpointURI(metadata.getAuthorizationEndpointURI())
                .prompt(offline && settings.consentPrompt() ? new Prompt(Prompt.Type.CONSENT) : null)
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
    }

    /** Returns whether sign-in asks for a refresh token (scope {@code offline_access}) at this provider. */
    private boolean asksOffline(OIDCProviderMetadata metadata) {
        return switch (settings.offlineAccess()) {
            case "on" -> true;
            case "off" -> false;
            default -> metadata.getScopes() != null && metadata.getScopes().contains(OIDCScopeValue.OFFLINE_ACCESS);
        };
    }

    /**
     * Exchanges the code for tokens and returns the validated ID token's claims and the refresh token.
     *
     * @throws LoginFailure if the provider refuses, is down or slow, or the ID token is not valid
     */
    Exchanged exchange(String code, Nonce nonce, CodeVerifier verifier) {
        Discovered d = discover();
        TokenRequest request = new TokenRequest(d.metadata().getTokenEndpointURI(),
                new ClientSecretBasic(new ClientID(settings.clientId()), new Secret(settings.clientSecret())),
                new AuthorizationCodeGrant(new AuthorizationCode(code), settings.redirectUri(), verifier));
        HTTPRequest http = request.toHTTPRequest();
        // Without it the JDK's default Accept prefers text/html, and some providers then answer errors as a page.
        http.setAccept("application/json");
        http.setConnectTimeout(timeoutMs);
        http.setReadTimeout(timeoutMs);
        TokenResponse response;
        try {
            HTTPResponse answer = http.send();
            response = OIDCTokenResponseParser.parse(answer);
        } catch (IOException e) {
            throw unreachable("token endpoint", e);
        } catch (ParseException e) {
            throw new LoginFailure(502, "the identity provider's token answer is not valid: " + e.getMessage());
        }
        if (!response.indicatesSuccess()) {
            TokenErrorResponse error = response.toErrorResponse();
            String code0 = error.getErrorObject() == null ? "unknown" : error.getErrorObject().getCode();
            String why = error.getErrorObject() == null ? "" : error.getErrorObject().getDescription();
            throw new LoginFailure(400, "the identity provider refused the sign-in code (" + code0
                    + (why == null ? "" : ": " + why) + "); a code works once and for a short time: sign in again");
        }
        OIDCTokens tokens = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens();
        JWT idToken = tokens.getIDToken();
        if (idToken == null) {
            throw new LoginFailure(502, "the identity provider sent no ID token; is the openid scope configured?");
        }
        try {
            return new Exchanged(d.validator().validate(idToken, nonce),
                    tokens.getRefreshToken() == null ? null : tokens.getRefreshToken().getValue());
        } catch (BadJOSEException e) {
            throw new LoginFailure(400, "the identity provider's ID token was refused: " + e.getMessage());
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new LoginFailure(502, "the ID token could not be checked: " + e.getMessage());
        }
    }

    /** Returns the provider's metadata and an ID token validator, discovering them on first use. */
    Discovered discover() {
        Discovered d = discovered;
        if (d != null) {
            return d;
        }
        try {
            OIDCProviderMetadata metadata = OIDCProviderMetadata.resolve(new Issuer(settings.issuer().toString()),
                    timeoutMs, timeoutMs);
            JWSAlgorithm algorithm = pickAlgorithm(metadata.getIDTokenJWSAlgs());
            IDTokenValidator validator = new IDTokenValidator(metadata.getIssuer(), new ClientID(settings.clientId()),
                    algorithm, metadata.getJWKSetURI().toURL(),
                    new DefaultResourceRetriever(timeoutMs, timeoutMs, 512 * 1024));
            d = new Discovered(metadata, validator);
            discovered = d;
            return d;
        } catch (IOException e) {
            throw unreachable("discovery document", e);
        } catch (com.nimbusds.oauth2.sdk.GeneralException e) {
            throw new LoginFailure(502, "the identity provider's discovery document at " + settings.issuer()
                    + " is not valid: " + e.getMessage());
        }
    }

    private static JWSAlgorithm pickAlgorithm(List<JWSAlgorithm> offered) {
        if (offered == null || offered.isEmpty() || offered.contains(JWSAlgorithm.RS256)) {
            return JWSAlgorithm.RS256;
        }
        return offered.get(0);
    }

    LoginFailure unreachable(String what, IOException e) {
        if (e instanceof SocketTimeoutException) {
            return new LoginFailure(504, "the identity provider did not answer within "
                    + settings.timeout().toMillis() + " ms (" + what + " of " + settings.issuer() + "); try again"
                    + " later or ask an operator");
        }
        return new LoginFailure(502, "the identity provider at " + settings.issuer() + " cannot be reached ("
                + what + ": " + e.getMessage() + "); try again later or ask an operator");
    }
}
