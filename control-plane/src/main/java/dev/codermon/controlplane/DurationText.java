package dev.codermon.controlplane;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written the way people write them ({@code 90s}, {@code 30m}, {@code 8h}, {@code 1d}) or as ISO-8601. */
public final class DurationText {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhd])");

    private DurationText() {
    }

    /**
     * Parses the text.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Duration parse(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty; use a form like 90s, 30m, 8h, 1d or PT8H");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a duration;"
                    + " use a form like 90s, 30m, 8h, 1d or PT8H");
        }
    }

    /** Formats a duration in the short form when it is a whole number of days, hours, minutes or seconds. */
    public static String format(Duration d) {
        long s = d.getSeconds();
        if (d.getNano() != 0) {
            return d.toString();
        }
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
