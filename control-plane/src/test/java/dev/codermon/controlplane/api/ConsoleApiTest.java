package dev.codermon.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.controlplane.ApiFixture;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static dev.codermon.controlplane.ApiFixture.ADMIN_KEY;
import static dev.codermon.controlplane.ApiFixture.get;
import static dev.codermon.controlplane.ApiFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


class ConsoleApiTest {

    @TempDir
    Path tempDir;
    ApiFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new ApiFixture(tempDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private Path accessLog() throws Exception {
        Path log = tempDir.resolve("logs/access.log");
        Files.createDirectories(log.getParent());
        return log;
    }

    @Test
    void console_page_is_served_with_a_strict_content_security_policy() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response page = client.get("/");
            assertEquals(200, page.code());
            assertTrue(page.headers().get("Content-Type").get(0).startsWith("text/html"));
            assertTrue(page.headers().get("Content-Security-Policy").get(0).contains("default-src 'self'"));
            assertTrue(page.headers().get("Content-Security-Policy").get(0).contains("frame-ancestors 'none'"));
            String csp = page.headers().get("Content-Security-Policy").get(0);
            // The page may probe https://<workspace host>/ (is the local CA trusted?) and nothing else.
            assertTrue(csp.contains("connect-src 'self' https://*.codermon.internal;"), csp);
            assertFalse(csp.contains("unsafe-inline"), csp);
            assertTrue(page.body().string().contains("/console/console.js"));
            assertEquals(200, client.get("/console/console.js").code());
            assertEquals(200, client.get("/console/console.css").code());
        });
    }

    @Test
    void pac_file_sends_only_the_workspace_domain_to_the_proxy() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response pac = client.get("/proxy.pac");
            assertEquals(200, pac.code());
            assertEquals("application/x-ns-proxy-autoconfig", pac.headers().get("Content-Type").get(0));
            String body = pac.body().string();
            assertTrue(body.contains("dnsDomainIs(host, \".codermon.internal\")"), body);
            assertTrue(body.contains("return \"PROXY localhost:5000\""), body);
            assertTrue(body.contains("return \"DIRECT\""), body);
        });
    }

    @Test
    void ca_certificate_is_offered_once_the_proxy_made_it() throws Exception {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response missing = client.get("/ca.crt");
            assertEquals(404, missing.code());
            assertTrue(json(missing).get("detail").asText().contains("edge proxy creates"));
            Path ca = tempDir.resolve("ca/ca.crt");
            Files.createDirectories(ca.getParent());
            Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
            Response found = client.get("/ca.crt");
            assertEquals(200, found.code());
            assertEquals("application/x-x509-ca-cert", found.headers().get("Content-Type").get(0));
            assertTrue(found.body().string().startsWith("-----BEGIN CERTIFICATE-----"));
        });
    }

    @Test
    void me_tells_a_user_from_the_admin() {
        JavalinTest.test(fixture.app, (server, client) -> {
            JsonNode user = json(get(client, "/api/me", fixture.tokens.tokenFor("alice")));
            assertEquals("alice", user.get("user").asText());
            assertFalse(user.get("admin").asBoolean());
            assertEquals("http://localhost:5000", user.get("proxy").asText());
            JsonNode admin = json(get(client, "/api/me", ADMIN_KEY));
            assertTrue(admin.get("admin").asBoolean());
            assertTrue(admin.get("user").isNull());
            assertEquals(401, get(client, "/api/me", "nonsense").code());
        });
    }

    @Test
    void traffic_pages_through_the_access_log_for_the_admin_only() throws Exception {
        Path log = accessLog();
        Files.writeString(log, "ts=2026-01-01T00:00:00Z conn=c1 user=alice workspace=w1 method=GET"
                + " host=main.alice.codermon.internal path=/ status=200 in=10 out=2000 ms=3 refusal=-\n"
                + "ts=2026-01-01T00:00:01Z conn=c2 user=- workspace=- method=GET host=foreign.example"
                + " path=\"/a b\" status=403 in=0 out=60 ms=0 refusal=\"only Codermon workspace hosts\"\n"
                + "ts=2026-01-01T00:00:02Z conn=c3 user=al");
        JavalinTest.test(fixture.app, (server, client) -> {
            assertEquals(403, get(client, "/api/traffic?after=0", fixture.tokens.tokenFor("alice")).code());
            JsonNode page = json(get(client, "/api/traffic?after=0", ADMIN_KEY));
            JsonNode entries = page.get("entries");
            assertEquals(2, entries.size(), "the half-written last line waits for its newline");
            assertEquals("alice", entries.get(0).get("user").asText());
            assertEquals(200, entries.get(0).get("status").asInt());
            assertEquals(2000, entries.get(0).get("bytesOut").asLong());
            assertFalse(entries.get(1).has("user"));
            assertEquals("/a b", entries.get(1).get("path").asText());
            assertEquals("only Codermon workspace hosts", entries.get(1).get("refusal").asText());
            long next = page.get("next").asLong();

            Files.writeString(log, "ice status=101 in=1 out=1 ms=5\n", StandardOpenOption.APPEND);
            JsonNode more = json(get(client, "/api/traffic?after=" + next, ADMIN_KEY));
            assertEquals(1, more.get("entries").size());
            assertEquals("alice", more.get("entries").get(0).get("user").asText());
            assertEquals(101, more.get("entries").get(0).get("status").asInt());

            JsonNode fromNow = json(get(client, "/api/traffic", ADMIN_KEY));
            assertEquals(0, fromNow.get("entries").size());
            assertEquals(Files.size(log), fromNow.get("next").asLong());
            assertEquals(400, get(client, "/api/traffic?after=x", ADMIN_KEY).code());
        });
    }

    @Test
    void a_rotated_log_is_read_again_from_its_start() throws Exception {
        Path log = accessLog();
        Files.writeString(log, "ts=1 user=bob status=200\n");
        JavalinTest.test(fixture.app, (server, client) -> {
            JsonNode page = json(get(client, "/api/traffic?after=99999", ADMIN_KEY));
            assertEquals(1, page.get("entries").size());
            assertEquals("bob", page.get("entries").get(0).get("user").asText());
        });
    }
}
