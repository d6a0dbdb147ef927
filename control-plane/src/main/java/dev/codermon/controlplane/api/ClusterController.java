package dev.codermon.controlplane.api;

import dev.codermon.controlplane.monitor.ClusterJobs;
import io.javalin.http.Context;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serves {@code GET /api/cluster} (admin only): which control plane answered, and which cluster-wide jobs
 * it leads now. Ask each replica to see who leads what.
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
        Map<String, Boolean> leads = new TreeMap<>();
        // Asked now, not from the last pass: a job that is free is taken, as the next pass would take it.
        for (String job : new String[] {ClusterJobs.MONITOR, ClusterJobs.PRUNING, ClusterJobs.PROVIDER_RECHECK}) {
            leads.put(job, jobs.leads(job));
        }
        ctx.json(new ClusterView(jobs.replica(), leads));
    }
}
