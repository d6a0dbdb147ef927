package dev.codermon.controlplane.api;

import dev.codermon.controlplane.monitor.ClusterJobs;
import io.javalin.http.Context;
import java.util.Map;

/**
 * Serves {@code GET /api/cluster} (admin only): which control plane answered, and which cluster-wide jobs
 * it leads. Ask each replica to see who leads what.
 */
final class ClusterController {

    record ClusterView(String replica, Map<String, Boolean> leads) {
    }

    private final ApiAuthenticator auth;
    private final ClusterJobs jobs;

    ClusterController(ApiAuthenticator auth, ClusterJobs jobs) {
        this.auth = auth;
        this.jobs = jobs;
    }

    void show(Context ctx) {
        auth.requireAdmin(ctx);
        Map<String, Boolean> leads = new java.util.TreeMap<>();
        for (String job : new String[] {ClusterJobs.MONITOR, ClusterJobs.PRUNING, ClusterJobs.PROVIDER_RECHECK}) {
            leads.put(job, false);
        }
        leads.putAll(jobs.lastSeen());
        ctx.json(new ClusterView(jobs.replica(), leads));
    }
}
