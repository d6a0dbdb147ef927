package dev.codermon.controlplane.ssh;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * Makes a workspace's SSH host key: an Ed25519 key pair, written as OpenSSH writes it (the
 * {@code openssh-key-v1} private key file, unencrypted, and the {@code ssh-ed25519 <base64>} public
 * line), so that the workspace's {@code sshd} loads it and clients pin it through {@code known_hosts}.
 *
 * @param privateKeyFile the private key file's text
 * @param publicKey      the public key line, {@code ssh-ed25519 <base64>}
 */
record SshHostKey(String privateKeyFile, String publicKey) {

    static final String TYPE = "ssh-ed25519";
    private static final int RAW_KEY_BYTES = 32;
    private static final int LINE_WIDTH = 70;

    /** Generates a new host key. */
    static SshHostKey generate(String comment) {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make Ed25519 keys", e);
        }
        byte[] x509 = pair.getPublic().getEncoded();
        // An Ed25519 SubjectPublicKeyInfo ends with the raw 32-byte key.
        byte[] pub = Arrays.copyOfRange(x509, x509.length - RAW_KEY_BYTES, x509.length);
        byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes()
                .orElseThrow(() -> new IllegalStateException("the Ed25519 private key has no seed"));
        byte[] publicBlob = publicBlob(pub);
        return new SshHostKey(privateFile(publicBlob, pub, seed, comment),
                TYPE + " " + Base64.getEncoder().encodeToString(publicBlob));
    }

    private static byte[] publicBlob(byte[] pub) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        string(out, TYPE.getBytes(StandardCharsets.US_ASCII));
        string(out, pub);
        return out.toByteArray();
    }

    private static String privateFile(byte[] publicBlob, byte[] pub, byte[] seed, String comment) {
        ByteArrayOutputStream secret = new ByteArrayOutputStream();
        int check = new SecureRandom().nextInt();
        uint32(secret, check);
        uint32(secret, check);
        string(secret, TYPE.getBytes(StandardCharsets.US_ASCII));
        string(secret, pub);
        byte[] both = new byte[2 * RAW_KEY_BYTES];
        System.arraycopy(seed, 0, both, 0, RAW_KEY_BYTES);
        System.arraycopy(pub, 0, both, RAW_KEY_BYTES, RAW_KEY_BYTES);
        string(secret, both);
        string(secret, comment.getBytes(StandardCharsets.UTF_8));
        // Padded to the cipher's block size (8 for "none") with 1, 2, 3, ...
        for (int pad = 1; secret.size() % 8 != 0; pad++) {
            secret.write(pad);
        }
        Arrays.fill(both, (byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
        string(out, "none".getBytes(StandardCharsets.US_ASCII));
        string(out, "none".getBytes(StandardCharsets.US_ASCII));
        string(out, new byte[0]);
        uint32(out, 1);
        string(out, publicBlob);
        string(out, secret.toByteArray());
        String body = Base64.getEncoder().encodeToString(out.toByteArray());
        StringBuilder pem = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
        for (int i = 0; i < body.length(); i += LINE_WIDTH) {
            pem.append(body, i, Math.min(body.length(), i + LINE_WIDTH)).append('\n');
        }
        return pem.append("-----END OPENSSH PRIVATE KEY-----\n").toString();
    }

    private static void string(ByteArrayOutputStream out, byte[] bytes) {
        uint32(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void uint32(ByteArrayOutputStream out, int value) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(value).array());
    }
}
