package dev.codermon.controlplane.api;

import static dev.codermon.controlplane.ApiFixture.delete;
import static dev.codermon.controlplane.ApiFixture.get;
import static dev.codermon.controlplane.ApiFixture.json;
import static dev.codermon.controlplane.ApiFixture.post;
import static dev.codermon.controlplane.api.TokenApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.controlplane.ApiFixture;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SshApiTest extends TwoUserApiTest {

    /** A real Ed25519 public key (ssh-keygen -t ed25519), fingerprint as ssh-keygen -l shows it. */
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOCvpcLsqr1NnEgk9DMb8mBXd7AtUZm1Yzs2VNVbRAM8 alice@laptop";

    private static String body(String key) {
        return "{\"publicKey\":" + ApiFixture.JSON.valueToTree(key) + "}";
    }

    @Test
    void a_registered_key_is_listed_written_to_authorized_keys_and_deleted_by_its_owner_only() {
        JavalinTest.test(fixture.app, (server, client) -> {
            Response added = post(client, "/api/ssh-keys", alice, body(KEY));
            assertEquals(201, added.code());
            JsonNode key = json(added);
            assertEquals("alice@laptop", key.get("name").asText());
            assertEquals("ssh-ed25519", key.get("type").asText());
            assertTrue(key.get("fingerprint").asText().startsWith("SHA256:"), key.toString());
            Path authorized = tempDir.resolve("ssh/users/alice/authorized_keys");
            assertEquals(KEY.substring(0, KEY.lastIndexOf(' ')) + "\n", Files.readString(authorized));

            assertEquals(1, json(get(client, "/api/ssh-keys", alice)).size());
            assertEquals(0, json(get(client, "/api/ssh-keys", bob)).size());
            assertError(post(client, "/api/ssh-keys", alice, body(KEY)), 409, "duplicate_key");

            String id = key.get("id").asText();
            assertEquals(404, delete(client, "/api/ssh-keys/" + id, bob).code());
            assertEquals(204, delete(client, "/api/ssh-keys/" + id, alice).code());
            assertEquals("", Files.readString(authorized));
            assertEquals(404, delete(client, "/api/ssh-keys/" + id, alice).code());
        });
    }

    @Test
    void malformed_keys_are_refused_with_a_reason() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String[] bad = {
                "", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "ssh-ed25519", "ssh-ed25519 not*base64",
                // A valid RSA blob announced as Ed25519.
                "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ",
                "command=\"sh\" " + KEY,
                KEY + "\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOCvpcLsqr1NnEgk9DMb8mBXd7AtUZm1Yzs2VNVbRAM8",
                "-----BEGIN OPENSSH PRIVATE KEY-----",
            };
            for (String key : bad) {
                Response r = post(client, "/api/ssh-keys", alice, body(key));
                JsonNode error = json(r);
                assertEquals(400, r.code(), key + ": " + error);
                assertEquals("invalid_key", error.get("error").asText(), key);
                assertFalse(error.get("detail").asText().isBlank(), key);
            }
            assertEquals(0, json(get(client, "/api/ssh-keys", alice)).size());
        });
    }

    @Test
    void known_hosts_lines_are_the_owners_and_stay_the_same() {
        JavalinTest.test(fixture.app, (server, client) -> {
            JsonNode ws = json(post(client, "/api/workspaces", alice, "{\"name\":\"main\"}"));
            String id = ws.get("id").asText();
            Response first = get(client, "/api/workspaces/" + id + "/known-hosts", alice);
            assertEquals(200, first.code());
            String line = first.body().string();
            assertTrue(Pattern.matches(Pattern.quote(ws.get("hostname").asText())
                    + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+\n", line), line);
            assertEquals(line, get(client, "/api/workspaces/" + id + "/known-hosts", alice).body().string());
            assertEquals(line, get(client, "/api/ssh-known-hosts", alice).body().string());
            assertEquals(404, get(client, "/api/workspaces/" + id + "/known-hosts", bob).code());
            assertEquals("", get(client, "/api/ssh-known-hosts", bob).body().string());
        });
    }

    @Test
    void the_ssh_config_reads_the_token_from_a_file_and_pins_host_keys() {
        JavalinTest.test(fixture.app, (server, client) -> {
            String config = get(client, "/api/ssh-config", alice).body().string();
            assertTrue(config.contains("Host *.alice.codermon.internal\n"), config);
            assertTrue(config.contains("ProxyCommand corkscrew "), config);
            assertTrue(config.contains(" %h %p ~/.codermon/proxy-auth\n"), config);
            assertTrue(config.contains("StrictHostKeyChecking yes"), config);
            assertFalse(config.contains(alice), "the token is never in the config");
        });
    }
}
