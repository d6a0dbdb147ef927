package dev.codermon.controlplane.api;

import dev.codermon.controlplane.ApiFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Sets up API tests that act as two users: an {@link ApiFixture} in a temporary directory and a token each. */
abstract class TwoUserApiTest {

    @TempDir
    Path tempDir;
    ApiFixture fixture;
    String alice;
    String bob;

    @BeforeEach
    void setUpFixture() {
        fixture = new ApiFixture(tempDir);
        alice = fixture.tokens.tokenFor("alice");
        bob = fixture.tokens.tokenFor("bob");
    }

    @AfterEach
    void closeFixture() {
        fixture.close();
    }
}
