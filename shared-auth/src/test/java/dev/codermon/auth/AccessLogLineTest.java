package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessLogLineTest {

    private static String write(String connection, String user, String workspace, String method, String host,
            String path, int status, long in, long out, long ms, String refusal) {
        StringBuilder line = new StringBuilder("ts=2026-01-02T03:04:05.678Z");
        AccessLogLine.appendFields(line, connection, user, workspace, method, host, path, status, in, out, ms, refusal);
        return line.toString();
    }

    @Test
    void a_written_line_parses_back_to_its_fields_in_order() {
        String line = write("1a2b", "alice", "w1", "GET", "main.alice.codermon.internal", "/static/app.js", 200, 12,
                512, 3, null);
        assertEquals("ts=2026-01-02T03:04:05.678Z conn=1a2b user=alice workspace=w1 method=GET"
                + " host=main.alice.codermon.internal path=/static/app.js status=200 in=12 out=512 ms=3 refusal=-", line);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("ts", "2026-01-02T03:04:05.678Z");
        expected.put("conn", "1a2b");
        expected.put("user", "alice");
        expected.put("workspace", "w1");
        expected.put("method", "GET");
        expected.put("host", "main.alice.codermon.internal");
        expected.put("path", "/static/app.js");
        expected.put("status", "200");
        expected.put("in", "12");
        expected.put("out", "512");
        expected.put("ms", "3");
        Map<String, String> parsed = AccessLogLine.parse(line);
        assertEquals(expected, parsed);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(parsed.keySet()));
    }

    @Test
    void absent_values_and_no_status_are_left_out() {
        Map<String, String> parsed = AccessLogLine.parse(write(null, "", null, "CONNECT", null, null, 0, 0, 0, 7,
                "connect_target"));
        assertEquals(Map.of("ts", "2026-01-02T03:04:05.678Z", "method", "CONNECT", "in", "0", "out", "0", "ms", "7",
                "refusal", "connect_target"), parsed);
    }

    @Test
    void values_with_spaces_quotes_and_backslashes_round_trip() {
        String path = "/a b/\"quoted\"/back\\slash/é";
        Map<String, String> parsed = AccessLogLine.parse(write("c", "bob", "w2", "PUT", "h.codermon.internal", path,
                404, 1, 2, 3, "no route = here"));
        assertEquals(path, parsed.get(AccessLogLine.PATH));
        assertEquals("no route = here", parsed.get(AccessLogLine.REFUSAL));
        assertEquals("404", parsed.get(AccessLogLine.STATUS));
    }

    @Test
    void queries_fragments_and_control_characters_never_reach_the_line() {
        String line = write("c", "bob", "w2", "GET", "h", "/__codermon/auth?token=secret#frag", 302, 0, 0, 1,
                "line\nbreak\u007f");
        assertFalse(line.contains("secret"), line);
        assertFalse(line.contains("\n"), line);
        Map<String, String> parsed = AccessLogLine.parse(line);
        assertEquals("/__codermon/auth", parsed.get(AccessLogLine.PATH));
        assertEquals("line?break?", parsed.get(AccessLogLine.REFUSAL));
    }

    @Test
    void unknown_keys_from_a_newer_writer_are_kept() {
        assertEquals(Map.of("ts", "x", "extra", "value one"), AccessLogLine.parse("ts=x extra=\"value one\""));
    }
}
