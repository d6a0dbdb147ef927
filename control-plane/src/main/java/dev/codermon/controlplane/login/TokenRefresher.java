package dev.codermon.controlplane.login;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;
import com.nimbusds.openid.connect.sdk.token.OIDCTokens;
import java.io.IOException;
import java.net.URI;

/**
 * Asks the provider to refresh a person's tokens (the refresh token grant, with this client's credentials and
 * timeouts) and returns what it said: the refreshed ID token's claims (validated like at sign-in, without a
 * nonce), or userinfo's if it sent no ID token; the OAuth error it answered with; or that it could not be asked.
 */
final class TokenRefresher {

    private final OidcSettings settings;
    private final OidcClient client;
    private final int timeoutMs;

    TokenRefresher(OidcSettings settings, OidcClient client) {
        this.settings = settings;
        this.client = client;
        this.timeoutMs = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
    }

    RefreshAnswer refresh(String refreshToken) {
        OidcClient.Discovered d;
        try {
            d = client.discover();
        } catch (LoginFailure e) {
            return new RefreshAnswer.Unavailable(e.getMessage());
        }
        TokenRequest request = new TokenRequest(d.metadata().getTokenEndpointURI(),
                new ClientSecretBasic(new ClientID(settings.clientId()), new Secret(settings.clientSecret())),
                new RefreshTokenGrant(new RefreshToken(refreshToken)));
        HTTPRequest http = request.toHTTPRequest();
        // Without it the JDK's default Accept prefers text/html, and some providers then answer errors as a page.
        http.setAccept("application/json");
        http.setConnectTimeout(timeoutMs);
        http.setReadTimeout(timeoutMs);
        TokenResponse response;
        try {
            response = OIDCTokenResponseParser.parse(http.send());
        } catch (IOException e) {
            return new RefreshAnswer.Unavailable(client.unreachable("token endpoint", e).getMessage());
        } catch (ParseException e) {
            return new RefreshAnswer.Unavailable("its token answer is not valid: " + e.getMessage());
        }
        if (!response.indicatesSuccess()) {
            ErrorObject error = response.toErrorResponse().getErrorObject();
            if (error == null || error.getCode() == null || error.getHTTPStatusCode() >= 500) {
                return new RefreshAnswer.Unavailable("its token endpoint failed (HTTP "
                        + (error == null ? "?" : error.getHTTPStatusCode()) + ", no OAuth error in its answer)");
            }
            return new RefreshAnswer.Refused(error.getCode(), error.getDescription());
        }
        OIDCTokens tokens = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens();
        String kept = tokens.getRefreshToken() == null ? refreshToken : tokens.getRefreshToken().getValue();
        JWT idToken = tokens.getIDToken();
        if (idToken != null) {
            try {
                IDTokenClaimsSet claims = d.validator().validate(idToken, null);
                return new RefreshAnswer.Refreshed(claims, claims.getSubject().getValue(), kept);
            } catch (BadJOSEException | JOSEException e) {
                return new RefreshAnswer.Unavailable("its refreshed ID token was refused: " + e.getMessage());
            }
        }
        URI userinfo = d.metadata().getUserInfoEndpointURI();
        if (userinfo == null) {
            return new RefreshAnswer.Refreshed(null, null, kept);
        }
        return userInfo(userinfo, tokens, kept);
    }

    private RefreshAnswer userInfo(URI endpoint, OIDCTokens tokens, String kept) {
        HTTPRequest http = new UserInfoRequest(endpoint, tokens.getBearerAccessToken()).toHTTPRequest();
        http.setAccept("application/json");
        http.setConnectTimeout(timeoutMs);
        http.setReadTimeout(timeoutMs);
        try {
            UserInfoResponse response = UserInfoResponse.parse(http.send());
            if (!response.indicatesSuccess()) {
                return new RefreshAnswer.Unavailable("its userinfo endpoint refused a fresh access token");
            }
            UserInfo info = response.toSuccessResponse().getUserInfo();
            return new RefreshAnswer.Refreshed(info, info.getSubject().getValue(), kept);
        } catch (IOException e) {
            return new RefreshAnswer.Unavailable(client.unreachable("userinfo endpoint", e).getMessage());
        } catch (ParseException e) {
            return new RefreshAnswer.Unavailable("its userinfo answer is not valid: " + e.getMessage());
        }
    }
}
