package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class PortNumberTest {

    @Test
    void onlyAPortWrittenPlainlyIsOne() {
        assertEquals(OptionalInt.of(1), PortNumber.parse("1"));
        assertEquals(OptionalInt.of(8501), PortNumber.parse("8501"));
        assertEquals(OptionalInt.of(65535), PortNumber.parse("65535"));
        for (String not : new String[] {null, "", "0", "08501", "+80", "-1", "65536", "99999", "123456", "80 ", "8o"}) {
            assertEquals(OptionalInt.empty(), PortNumber.parse(not), String.valueOf(not));
        }
    }
}
