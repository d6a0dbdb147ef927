package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {

    @Test
    void durations_accept_short_and_iso_forms() {
        assertEquals(Duration.ofMillis(500), DurationText.parse("ttl", "500ms"));
        assertEquals(Duration.ofMinutes(30), DurationText.parse("ttl", "30m"));
        assertEquals(Duration.ofHours(8), DurationText.parse("ttl", "8h"));
        assertEquals(Duration.ofDays(1), DurationText.parse("ttl", "1d"));
        assertEquals(Duration.ofDays(1), DurationText.parse("ttl", " 1D "));
        assertEquals(Duration.ofSeconds(90), DurationText.parse("ttl", "90s"));
        assertEquals(Duration.ofHours(8), DurationText.parse("ttl", "PT8H"));
        assertEquals(Duration.ofHours(8), DurationText.parse("ttl", "pt8h"));
        assertEquals(Duration.ofDays(2), DurationText.parse("ttl", "P2D"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"eight hours", "", "10", "-5s", "5w", "1.5h", "ms"})
    void anything_else_is_refused_with_the_setting_and_the_forms(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DurationText.parse("--session-ttl (CODERMON_SESSION_TTL)", text));
        assertTrue(e.getMessage().startsWith("--session-ttl (CODERMON_SESSION_TTL)"), e.getMessage());
        assertTrue(e.getMessage().contains("500ms, 90s, 30m, 8h, 1d or PT8H"), e.getMessage());
    }

    @Test
    void formats_whole_units_in_the_short_form() {
        assertEquals("8h", DurationText.format(Duration.ofHours(8)));
        assertEquals("90s", DurationText.format(Duration.ofSeconds(90)));
        assertEquals("1d", DurationText.format(Duration.ofDays(1)));
        assertEquals("5m", DurationText.format(Duration.ofMinutes(5)));
        assertEquals("500ms", DurationText.format(Duration.ofMillis(500)));
        assertEquals("0s", DurationText.format(Duration.ZERO));
    }

    @ParameterizedTest
    @ValueSource(strings = {"500ms", "90s", "30m", "8h", "1d"})
    void format_and_parse_round_trip(String text) {
        assertEquals(text, DurationText.format(DurationText.parse("x", text)));
    }
}
