package dev.codermon.controlplane.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobTextTest {

    @Test
    void aPortsAnswerIsReadBackAndOnlyPortsAreTaken() {
        assertEquals("22,3000,8501", JobText.portsResult(List.of(8501, 22, 3000)));
        assertEquals(List.of(22, 3000, 8501), JobText.parsePortsResult("22,3000,8501"));
        assertEquals(List.of(), JobText.parsePortsResult(""));
        assertEquals(List.of(), JobText.parsePortsResult(null));
        for (String bad : new String[] {"3000,", "3000,0", "65536", "3000;8501", "03000"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> JobText.parsePortsResult(bad), bad);
            assertEquals(true, e.getMessage().startsWith("not a port in a PORTS job's answer: "), e.getMessage());
        }
    }
}
