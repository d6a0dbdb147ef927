package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReturnPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"/", "/some/path", "/some/path?x=1&y=%2F", "/?folder=/home/coder/project",
        "/a%20b", "/__codermonish", "/static/app.js#top"})
    void same_origin_paths_are_kept(String path) {
        assertEquals(path, ReturnPath.sanitize(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://evil.example/", "https://evil.example/x", "//evil.example/",
        "///evil.example", "/\\evil.example", "\\\\evil.example", "evil.example", "javascript:alert(1)",
        "/a\r\nSet-Cookie: x=1", "/a\nb", "/a\rb", "/a\tb", "/a b", "/a\u0000b", "/\u00e9", "/a\\b",
        "/__codermon/login?return=/", "/__codermon/auth?code=x", "/%5F%5Fcodermon/login", "/__codermon",
        "/%2Fevil.example", "/%zz", ""})
    void other_origins_header_breakers_and_proxy_paths_become_home(String candidate) {
        assertEquals("/", ReturnPath.sanitize(candidate));
    }

    @Test
    void missing_or_overlong_return_becomes_home() {
        assertEquals("/", ReturnPath.sanitize(null));
        String longest = "/" + "a".repeat(ReturnPath.MAX_LENGTH - 1);
        assertEquals(longest, ReturnPath.sanitize(longest));
        assertEquals("/", ReturnPath.sanitize(longest + "a"));
    }
}
