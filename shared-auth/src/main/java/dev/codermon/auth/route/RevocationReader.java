package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Map;

/** Reads token revocations: both processes refuse what was issued before a user's revocation time. */
public interface RevocationReader {

    /** Returns each user's revocation time: tokens and sessions issued before it are refused. */
    Map<String, Instant> revocations();
}
