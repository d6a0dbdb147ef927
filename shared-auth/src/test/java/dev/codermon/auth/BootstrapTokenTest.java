package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.codermon.auth.testing.TestTokens;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BootstrapTokenTest {

    private final TestTokens tokens = new TestTokens();

    @Test
    void bootstrap_token_names_its_user_workspace_and_host() throws Exception {
        IssuedToken link = tokens.issuer().issueBootstrap("alice", "w1", "main.alice.codermon.internal",
                Duration.ofSeconds(60));
        BootstrapGrant grant = tokens.verifier().verifyBootstrap(link.token());
        assertEquals(new BootstrapGrant("alice", "w1", "main.alice.codermon.internal", link.tokenId(),
                link.issuedAt(), link.expiresAt()), grant);
    }

    @Test
    void bootstrap_token_is_not_a_user_token_and_a_user_token_is_not_a_bootstrap_token() {
        String link = tokens.issuer().issueBootstrap("alice", "w1", "h", Duration.ofSeconds(60)).token();
        assertEquals("token has the wrong audience",
                assertThrows(InvalidTokenException.class, () -> tokens.verifier().verify(link)).getMessage());
        String user = tokens.tokenFor("alice");
        assertEquals("token has the wrong audience",
                assertThrows(InvalidTokenException.class, () -> tokens.verifier().verifyBootstrap(user)).getMessage());
    }
}
