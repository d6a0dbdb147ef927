package dev.codermon.controlplane.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.oauth2.sdk.id.Subject;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;
import dev.codermon.controlplane.login.RecheckDecision.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecheckDecisionTest {

    private final SignInPolicy policy = new SignInPolicy(OidcSettings.fromEnvironment(Map.of(
            "CODERMON_OIDC_ISSUER", "https://idp.example.org",
            "CODERMON_OIDC_CLIENT_ID", "codermon",
            "CODERMON_OIDC_CLIENT_SECRET", "secret",
            "CODERMON_OIDC_ALLOWED_DOMAINS", "example.org",
            "CODERMON_OIDC_ALLOWED_GROUPS", "devs"), 5001).orElseThrow());

    private static UserInfo claims(String sub, String email, boolean verified, List<String> groups) {
        UserInfo info = new UserInfo(new Subject(sub));
        info.setClaim("email", email);
        info.setClaim("email_verified", verified);
        info.setClaim("groups", groups);
        return info;
    }

    private RecheckDecision.Outcome decide(RefreshAnswer answer) {
        return RecheckDecision.decide(answer, "bob", policy);
    }

    @Test
    void invalid_grant_disables_the_person() {
        RecheckDecision.Outcome o = decide(new RefreshAnswer.Refused("invalid_grant", "account not found"));
        assertEquals(Verdict.DISABLE, o.verdict());
        assertTrue(o.why().contains("account not found"), o.why());
    }

    @Test
    void other_oauth_errors_and_an_unavailable_provider_disable_nobody() {
        assertEquals(Verdict.RETRY, decide(new RefreshAnswer.Refused("invalid_client", null)).verdict(),
                "a client misconfiguration is not the person's fault");
        assertEquals(Verdict.RETRY, decide(new RefreshAnswer.Refused("temporarily_unavailable", null)).verdict());
        assertEquals(Verdict.RETRY, decide(new RefreshAnswer.Unavailable("did not answer within 2000 ms")).verdict());
    }

    @Test
    void refreshed_claims_that_still_pass_the_policy_keep_the_person() {
        assertEquals(Verdict.KEEP, decide(new RefreshAnswer.Refreshed(
                claims("bob", "bob@example.org", true, List.of("devs")), "bob", "rt")).verdict());
        assertEquals(Verdict.KEEP, decide(new RefreshAnswer.Refreshed(null, null, "rt")).verdict(),
                "a refresh that worked but carried no claims keeps them");
    }

    @Test
    void refreshed_claims_the_policy_refuses_disable_the_person() {
        RecheckDecision.Outcome groups = decide(new RefreshAnswer.Refreshed(
                claims("bob", "bob@example.org", true, List.of("sales")), "bob", "rt"));
        assertEquals(Verdict.DISABLE, groups.verdict());
        assertTrue(groups.why().contains("none of the groups"), groups.why());
        assertEquals(Verdict.DISABLE, decide(new RefreshAnswer.Refreshed(
                claims("bob", "bob@elsewhere.test", true, List.of("devs")), "bob", "rt")).verdict());
        assertEquals(Verdict.DISABLE, decide(new RefreshAnswer.Refreshed(
                claims("bob", "bob@example.org", false, List.of("devs")), "bob", "rt")).verdict(),
                "an email no longer verified");
    }

    @Test
    void claims_for_another_subject_disable_nobody() {
        assertEquals(Verdict.RETRY, decide(new RefreshAnswer.Refreshed(
                claims("mallory", "bob@example.org", true, List.of("devs")), "mallory", "rt")).verdict());
    }

    @Test
    void the_answer_never_shows_the_refresh_token() {
        assertTrue(!new RefreshAnswer.Refreshed(null, "bob", "secret-refresh-token").toString()
                .contains("secret-refresh-token"));
    }
}
