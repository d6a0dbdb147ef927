package dev.codermon.controlplane.login;

import dev.codermon.auth.route.PeopleStore;
import dev.codermon.auth.route.PersonRecord;
import dev.codermon.controlplane.api.TokenService;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the provider, for each signed-in person it gave a refresh token, whether they may still get in
 * (JupyterHub's {@code refresh_user}, Coder's refresh on use): it refreshes their tokens and checks the
 * refreshed claims against the sign-in policy. A person the provider disabled or deleted ({@code invalid_grant})
 * or no longer lets in is disabled and loses everything, as at sign-out: their tokens and sessions are revoked
 * (the proxy closes their tunnels), their console sessions end. A provider that is down or slow disables
 * nobody: the round stops at the first such answer and the next round tries again. People without a
 * refresh token are checked at their next sign-in only. Rounds run on the monitor's one scheduler thread.
 */
public final class ProviderRecheck {

    private static final Logger log = LoggerFactory.getLogger(ProviderRecheck.class);

    /**
     * Counts what one round did.
     *
     * @param checked   people the provider's answer kept or disabled
     * @param disabled  of them, people disabled
     * @param postponed people not checked this round (provider unavailable), tried again next round
     */
    public record Round(int checked, int disabled, int postponed) {
    }

    private final PeopleStore people;
    private final TokenService tokens;
    private final SignInPolicy policy;
    private final TokenRefresher refresher;
    private final Clock clock;

    public ProviderRecheck(OidcSettings settings, PeopleStore people, TokenService tokens, Clock clock) {
        this.people = people;
        this.tokens = tokens;
        this.policy = new SignInPolicy(settings);
        this.refresher = new TokenRefresher(settings, new OidcClient(settings));
        this.clock = clock;
    }

    /** Checks every person with a refresh token once, now. */
    public Round run() {
        Map<String, String> refreshTokens = people.refreshTokens();
        int checked = 0;
        int disabled = 0;
        int asked = 0;
        for (Map.Entry<String, String> e : refreshTokens.entrySet()) {
            String name = e.getKey();
            asked++;
            Optional<PersonRecord> person = people.findPerson(name);
            if (person.isEmpty()) {
                continue;
            }
            RefreshAnswer answer = refresher.refresh(e.getValue());
            RecheckDecision.Outcome outcome = RecheckDecision.decide(answer, person.get().subject(), policy);
            if (answer instanceof RefreshAnswer.Refreshed r && outcome.verdict() != RecheckDecision.Verdict.DISABLE
                    && !r.refreshToken().equals(e.getValue())) {
                // The provider rotated it: the old one is spent, so only the new one works next round.
                people.setRefreshToken(name, r.refreshToken(), clock.instant());
            }
            switch (outcome.verdict()) {
                case KEEP -> {
                    checked++;
                    log.debug("re-check of {} at the identity provider: {}", name, outcome.why());
                }
                case DISABLE -> {
                    checked++;
                    disabled++;
                    disable(name, outcome.why());
                }
                case RETRY -> {
                    if (answer instanceof RefreshAnswer.Unavailable) {
                        int postponed = refreshTokens.size() - asked + 1;
                        log.warn("re-check at the identity provider postponed for {} people, nobody disabled: {}",
                                postponed, outcome.why());
                        return new Round(checked, disabled, postponed);
                    }
                    log.warn("re-check of {} at the identity provider failed, not disabled, tried again next"
                            + " round: {}", name, outcome.why());
                }
            }
        }
        return new Round(checked, disabled, 0);
    }

    private void disable(String name, String why) {
        people.setDisabled(name, true);
        people.setRefreshToken(name, null, clock.instant());
        tokens.revokeAll(name, "re-check: " + why);
        people.deleteConsoleSessions(name);
        log.info("{} disabled: {}; tokens and sessions revoked, console sessions ended", name, why);
    }
}
