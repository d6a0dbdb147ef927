package dev.codermon.controlplane.monitor;

import dev.codermon.auth.route.Leadership;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before each pass, whether this control plane runs a cluster-wide job (the monitor, reconcile,
 * the idle reaper, store pruning, the provider re-check): only the replica that leads it does. Logs once
 * when this replica starts and once when it stops leading a job.
 *
 * <p>Also says how long a workspace may stay STARTING or STOPPING before the monitor takes it for an
 * interrupted change: with one control plane nothing else can be changing a record it has not locked, so
 * at once; with several, another replica may be starting it right now, so only after a start could have
 * finished.
 */
public final class ClusterJobs {

    /** Reconcile at start, and the monitor's passes: health, dead and idle workspaces, settling, orphans. */
    public static final String MONITOR = "workspace-monitor";
    /** Pruning of expired sessions, used-token marks and stale open counts. */
    public static final String PRUNING = "store-pruning";
    /** The periodic re-check of signed-in people at the identity provider. */
    public static final String PROVIDER_RECHECK = "provider-recheck";

    private static final Logger log = LoggerFactory.getLogger(ClusterJobs.class);

    private final Leadership leadership;
    private final String replica;
    private final Duration othersChangeGrace;
    private final Map<String, Boolean> leading = new ConcurrentHashMap<>();
    private final Set<String> runs = ConcurrentHashMap.newKeySet();

    /**
     * Creates the jobs of one replica.
     *
     * @param replica           this replica's name, for the log and the status endpoint
     * @param othersChangeGrace how long a change may be another replica's before it counts as interrupted
     *                          (zero: this is the only control plane)
     */
    public ClusterJobs(Leadership leadership, String replica, Duration othersChangeGrace) {
        this.leadership = Objects.requireNonNull(leadership, "leadership");
        this.replica = Objects.requireNonNull(replica, "replica");
        this.othersChangeGrace = Objects.requireNonNull(othersChangeGrace, "othersChangeGrace");
        runs.add(MONITOR);
        runs.add(PRUNING);
    }

    /** Returns the jobs of the only control plane (one machine, SQLite): it leads every job. */
    public static ClusterJobs alone(String replica) {
        return new ClusterJobs(SOLE, replica, Duration.ZERO);
    }

    /** Returns whether this replica leads the job now (false while the store cannot be reached). */
    public boolean leads(String job) {
        boolean now;
        try {
            now = leadership.leads(job);
        } catch (RuntimeException e) { // the contract says it never throws; a broken one must not act as leader
            log.warn("could not tell whether this control plane leads {}: {}", job, e.toString());
            now = false;
        }
        Boolean before = leading.put(job, now);
        if (leadership == SOLE) {
            return true; // the only control plane: nothing to tell the operator
        }
        if (now && !Boolean.TRUE.equals(before)) {
            log.info("control plane {} now leads {}", replica, job);
        } else if (!now && Boolean.TRUE.equals(before)) {
            log.warn("control plane {} no longer leads {}; another replica runs it", replica, job);
        } else if (!now && before == null) {
            log.info("control plane {} does not lead {}; another replica runs it", replica, job);
        }
        return now;
    }

    /** Notes that this replica runs the job too (every replica runs the monitor and pruning). */
    void runs(String job) {
        runs.add(job);
    }

    /**
     * Returns, per job this replica runs, whether it leads it now. A job it does not run is never asked
     * for: holding its lock would keep it from a replica that runs it.
     */
    public Map<String, Boolean> leadsNow() {
        Map<String, Boolean> now = new TreeMap<>();
        for (String job : runs) {
            now.put(job, leads(job));
        }
        return now;
    }

    /** Returns what this replica last found, per job it asked about: whether it leads it. */
    public Map<String, Boolean> lastSeen() {
        return new TreeMap<>(leading);
    }

    /** Returns this replica's name. */
    public String replica() {
        return replica;
    }

    /** Returns how long a STARTING or STOPPING record may be another replica's change (see the class comment). */
    public Duration othersChangeGrace() {
        return othersChangeGrace;
    }

    /** Releases every job, so another replica takes over at once. */
    public void release() {
        leadership.close();
        leading.replaceAll((job, led) -> false);
    }

    private static final Leadership SOLE = new Leadership() {
        @Override
        public boolean leads(String job) {
            return true;
        }

        @Override
        public void close() {
        }
    };
}
