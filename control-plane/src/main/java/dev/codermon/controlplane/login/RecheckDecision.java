package dev.codermon.controlplane.login;

/**
 * Decides what a re-check's answer from the provider means for the person. Only the provider's own word
 * ends access: {@code invalid_grant} (the account was disabled or deleted, or consent was withdrawn), or
 * refreshed claims that the sign-in policy refuses. A provider that is down, slow or answers with any other
 * error (often a fault of this client's configuration) disables nobody: the check is tried again later.
 */
final class RecheckDecision {

    enum Verdict { KEEP, DISABLE, RETRY }

    /** Is the verdict with why, in words fit for the log and the revocation's reason. */
    record Outcome(Verdict verdict, String why) {
    }

    private RecheckDecision() {
    }

    /**
     * Decides.
     *
     * @param subject the person's subject at the provider, as stored
     */
    static Outcome decide(RefreshAnswer answer, String subject, SignInPolicy policy) {
        if (answer instanceof RefreshAnswer.Unavailable u) {
            return new Outcome(Verdict.RETRY, "the identity provider is unavailable: " + u.why());
        }
        if (answer instanceof RefreshAnswer.Refused r) {
            String said = r.error() + (r.description() == null ? "" : ": " + r.description());
            if ("invalid_grant".equals(r.error())) {
                return new Outcome(Verdict.DISABLE, "the identity provider no longer accepts the sign-in (" + said
                        + ")");
            }
            return new Outcome(Verdict.RETRY, "the identity provider refused the refresh (" + said + ")");
        }
        RefreshAnswer.Refreshed refreshed = (RefreshAnswer.Refreshed) answer;
        if (refreshed.claims() == null) {
            return new Outcome(Verdict.KEEP, "refreshed (no claims to check)");
        }
        if (!subject.equals(refreshed.subject())) {
            // Not the person's word but a provider fault: nobody is disabled for it.
            return new Outcome(Verdict.RETRY, "the identity provider's refreshed claims name another subject");
        }
        try {
            policy.admit(refreshed.claims());
            return new Outcome(Verdict.KEEP, "still allowed");
        } catch (LoginFailure refused) {
            return new Outcome(Verdict.DISABLE, "the identity provider's claims no longer pass: "
                    + refused.getMessage());
        }
    }
}
