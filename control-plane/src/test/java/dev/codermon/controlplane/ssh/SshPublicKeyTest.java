package dev.codermon.controlplane.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshPublicKeyTest {

    @TempDir
    Path tmp;

    private String keygen(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "ssh-keygen";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void keys_ssh_keygen_makes_parse_with_its_fingerprint() throws Exception {
        for (String type : new String[] {"ed25519", "ecdsa", "rsa"}) {
            Path key = tmp.resolve(type);
            keygen("-q", "-t", type, "-N", "", "-C", "me@laptop", "-f", key.toString());
            String line = Files.readString(Path.of(key + ".pub"));
            SshPublicKey parsed = SshPublicKey.parse(line);
            assertEquals("me@laptop", parsed.comment());
            assertEquals(line.substring(0, line.lastIndexOf(' ')), parsed.line());
            String fingerprint = keygen("-l", "-E", "sha256", "-f", key + ".pub").split(" ")[1];
            assertEquals(fingerprint, parsed.fingerprint(), type);
        }
    }

    @Test
    void what_is_not_a_plain_public_key_is_refused_with_a_reason() throws Exception {
        Path key = tmp.resolve("k");
        keygen("-q", "-t", "ed25519", "-N", "", "-f", key.toString());
        String privateKey = Files.readString(key);
        String pub = Files.readString(Path.of(key + ".pub")).strip();
        String[] bad = {privateKey, "from=\"*\" " + pub, pub + "\n" + pub, "ssh-ed25519 !!!",
            "ssh-rsa " + pub.split(" ")[1], "ssh-dss AAAAB3NzaC1kc3M=", "  "};
        for (String text : bad) {
            SshPublicKey.InvalidKeyException e = assertThrows(SshPublicKey.InvalidKeyException.class,
                    () -> SshPublicKey.parse(text), text);
            assertTrue(e.getMessage().length() > 10, e.getMessage());
        }
    }
}
