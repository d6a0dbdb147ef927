package dev.codermon.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Creates and loads the ES256 key pair that signs user tokens.
 *
 * <p>The private key is written once, owner-readable only, and read only by the control plane; the
 * proxy loads the public JWK set and so can verify tokens but never mint them.
 */
public final class SigningKeys {

    public static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;

    private SigningKeys() {
    }

    /** Loads the signing key from the data directory, generating it (and the public set) on first start. */
    public static ECKey loadOrCreate(CodermonHome home) {
        home.ensureExists();
        Path file = home.signingKeyFile();
        if (!Files.exists(file)) {
            ECKey fresh = generate();
            CodermonHome.writeNewFile(file, fresh.toJSONString(), "rw-------");
        }
        ECKey key = readPrivate(file);
        // Rewritten every start so that it always matches the private key; readers see it atomically.
        writePublic(home.publicKeysFile(), key);
        return key;
    }

    /**
     * Loads the public keys that verify tokens.
     *
     * @throws IllegalStateException with a message that says what to do when the file is missing
     */
    public static JWKSet loadPublic(CodermonHome home) {
        Path file = home.publicKeysFile();
        try {
            JWKSet set = JWKSet.parse(Files.readString(file));
            if (set.getKeys().isEmpty() || set.getKeys().stream().anyMatch(k -> k.isPrivate())) {
                throw new IllegalStateException(file + " must hold public keys only");
            }
            return set;
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("no public keys at " + file
                    + ": start the control plane once with the same CODERMON_HOME to create them", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ParseException e) {
            throw new IllegalStateException(file + " is not a JWK set: " + e.getMessage(), e);
        }
    }

    /**
     * Generates a new ES256 key pair. Its key id names the time it was made and the start of its RFC 7638
     * thumbprint, so that two keys made in the same second still have different ids.
     */
    public static ECKey generate() {
        try {
            String made = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                    .format(Instant.now());
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(ALGORITHM)
                    .generate();
            String thumbprint = key.computeThumbprint().toString();
            return new ECKey.Builder(key).keyID("codermon-" + made + "-" + thumbprint.substring(0, 12)).build();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an ES256 key: " + e.getMessage(), e);
        }
    }

    private static ECKey readPrivate(Path file) {
        try {
            ECKey key = ECKey.parse(Files.readString(file));
            if (!key.isPrivate()) {
                throw new IllegalStateException(file + " holds no private key");
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ParseException e) {
            throw new IllegalStateException(file + " is not an EC JWK: " + e.getMessage(), e);
        }
    }

    private static void writePublic(Path file, ECKey key) {
        try {
            Path tmp = Files.createTempFile(file.getParent(), ".public-keys", ".tmp");
            Files.writeString(tmp, new JWKSet(key.toPublicJWK()).toString(true));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
