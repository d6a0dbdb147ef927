package dev.codermon.controlplane.login;

import com.nimbusds.openid.connect.sdk.claims.ClaimsSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides from a validated ID token (or, at a re-check, the refreshed ID token or userinfo) whether the person
 * may sign in (allowed email domains, only with a verified email; allowed groups), with which role, and which
 * Codermon user names they may get.
 */
final class SignInPolicy {

    /** Is what a sign-in gives: the person's email, role and user-name candidates, best first. */
    record Admitted(String email, String role, List<String> names) {
    }

    private final OidcSettings settings;

    SignInPolicy(OidcSettings settings) {
        this.settings = settings;
    }

    /**
     * Admits the person or refuses them.
     *
     * @throws LoginFailure 403 naming the rule that refused them
     */
    Admitted admit(ClaimsSet claims) {
        String email = claims.getStringClaim("email");
        // Some providers send "true" as a string.
        Object verifiedClaim = claims.getClaim("email_verified");
        boolean verified = Boolean.TRUE.equals(verifiedClaim) || "true".equals(verifiedClaim);
        if (!settings.allowedDomains().isEmpty()) {
            if (email == null || !email.contains("@")) {
                throw new LoginFailure(403, "sign-in needs an email address from " + settings.allowedDomains()
                        + ", and the identity provider sent none; ask it to release the email scope");
            }
            if (!verified) {
                throw new LoginFailure(403, "your email " + email + " is not verified at the identity provider;"
                        + " verify it there, then sign in again");
            }
            String domain = email.substring(email.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            if (!settings.allowedDomains().contains(domain)) {
                throw new LoginFailure(403, "email domain " + domain + " is not allowed to sign in here");
            }
        }
        List<String> groups = groups(claims);
        if (!settings.allowedGroups().isEmpty() && groups.stream().noneMatch(settings.allowedGroups()::contains)) {
            throw new LoginFailure(403, "you are in none of the groups allowed to sign in here ("
                    + String.join(", ", settings.allowedGroups()) + ")");
        }
        String role = settings.adminGroup() != null && groups.contains(settings.adminGroup()) ? "admin" : "user";
        String source = claims.getStringClaim(settings.nameClaim());
        if (source == null && email != null) {
            source = email.substring(0, email.indexOf('@') < 0 ? email.length() : email.indexOf('@'));
        }
        return new Admitted(verified || settings.allowedDomains().isEmpty() ? email : null, role,
                candidates(source));
    }

    private List<String> groups(ClaimsSet claims) {
        Object value = claims.getClaim(settings.groupsClaim());
        List<String> out = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(g -> out.add(String.valueOf(g)));
        } else if (value instanceof String s) {
            out.add(s);
        }
        return out;
    }

    /**
     * Returns user names derived from the claim: lower case, anything but a-z and 0-9 becomes '-', runs of
     * '-' collapse, it starts with a letter and has at most 32 characters; then the same with -2, -3, ...
     * so that a name already taken by someone else yields another.
     */
    static List<String> candidates(String source) {
        String base = source == null ? "" : source.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^[^a-z]+", "").replaceAll("-+$", "");
        if (base.isEmpty()) {
            base = "user";
        }
        List<String> out = new ArrayList<>();
        out.add(trim(base, 32));
        for (int i = 2; i <= 999; i++) {
            String suffix = "-" + i;
            out.add(trim(base, 32 - suffix.length()) + suffix);
        }
        return out;
    }

    private static String trim(String name, int max) {
        String cut = name.length() > max ? name.substring(0, max) : name;
        return cut.replaceAll("-+$", "");
    }
}
