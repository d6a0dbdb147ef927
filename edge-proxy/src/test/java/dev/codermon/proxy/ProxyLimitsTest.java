package dev.codermon.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProxyLimitsTest {

    @Test
    void connectionCapLeavesRoomForAnUpstreamSocketPerConnection() {
        // This machine kind: 20,000 open files -> (20,000 - 512) / 2.
        assertEquals(9744, ProxyLimits.connectionsFor(20_000));
        assertEquals(ProxyLimits.DEFAULT_MAX_CONNECTIONS, ProxyLimits.connectionsFor(1_048_576));
        assertEquals(1, ProxyLimits.connectionsFor(100));
        assertEquals(ProxyLimits.DEFAULT_MAX_CONNECTIONS, ProxyLimits.connectionsFor(-1));
    }

    @Test
    void openFileLimitIsReadFromTheProcess() {
        long limit = ProxyLimits.openFileLimit();
        assertTrue(limit > 0, "the JVM reports this process's open-file limit on Linux, got " + limit);
        assertTrue(2L * ProxyLimits.connectionsFor(limit) + ProxyLimits.SPARE_FILES <= Math.max(limit,
                2L * 1 + ProxyLimits.SPARE_FILES), "the automatic cap fits in the limit");
    }
}
