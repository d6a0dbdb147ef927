package dev.codermon.auth.route;

import java.time.Duration;
import java.time.Instant;

/** Reads what the proxies hold open for a workspace, summed over every proxy whose rows are fresh. */
public interface PresenceReader {

    /** How long a proxy's row counts after its last refresh: three publishing intervals. */
    Duration FRESH_FOR = PresenceWriter.EVERY.multipliedBy(3);

    /** Returns the workspace's open counts, summed over the rows refreshed at or after {@code freshSince}. */
    OpenCounts openCounts(String workspaceId, Instant freshSince);
}
