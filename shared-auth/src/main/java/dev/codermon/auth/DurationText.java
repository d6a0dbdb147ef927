package dev.codermon.auth;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats every duration setting of both processes, so that one syntax works everywhere:
 * {@code 500ms}, {@code 90s}, {@code 30m}, {@code 8h}, {@code 1d}, or ISO-8601 ({@code PT8H}, {@code P1D}).
 */
public final class DurationText {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    private static final String FORMS = "use a form like 500ms, 90s, 30m, 8h, 1d or PT8H";

    private DurationText() {
    }

    /**
     * Parses the text.
     *
     * @param what the setting's name, for the message ({@code --session-ttl (CODERMON_SESSION_TTL)})
     * @throws IllegalArgumentException naming the setting and the accepted forms
     */
    public static Duration parse(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty; " + FORMS);
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a duration; " + FORMS);
        }
    }

    /** Formats a duration in the short form when it is a whole number of days, hours, minutes, seconds or ms. */
    public static String format(Duration d) {
        long s = d.getSeconds();
        if (d.getNano() % 1_000_000 != 0 || d.isNegative()) {
            return d.toString();
        }
        if (d.getNano() != 0) {
            return d.toMillis() + "ms";
        }
        if (s != 0 && s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s != 0 && s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
