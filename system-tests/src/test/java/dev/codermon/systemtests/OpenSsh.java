package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The real OpenSSH client of the SSH tests: key pairs made by ssh-keygen, commands run by ssh. */
final class OpenSsh {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private OpenSsh() {
    }

    /** Makes an Ed25519 key pair without a passphrase at dir/name (and name.pub). */
    static Path keyPair(Path dir, String name) {
        Path key = dir.resolve(name);
        Commands.Result r = Commands.run(Commands.DEFAULT_TIMEOUT, "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                "-C", name + "@test", "-f", key.toString());
        assertEquals(0, r.exit(), "ssh-keygen: " + r.out());
        return key;
    }

    /** Runs the command on the host with this ssh_config and key only, never asking anything. */
    static Commands.Result run(Path config, Path key, String host, String... command) {
        List<String> c = new ArrayList<>(List.of("ssh", "-F", config.toString(), "-i", key.toString(),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", host));
        c.addAll(List.of(command));
        return Commands.run(TIMEOUT, Map.of(), c);
    }
}
