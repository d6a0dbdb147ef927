package dev.codermon.controlplane.api;

import dev.codermon.controlplane.monitor.ClusterJobs;
import io.javalin.http.Context;
import java.util.Map;

/**
 * Serves {@code GET /api/cluster} (admin only): which control plane answered and, of the cluster-wide jobs
 * it runs, which it leads now. Ask each replica to see who leads what.
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
        // Asked now, not from the last pass: a job that is free is taken, as the next pass would take it.
        Map<String, Boolean> leads = jobs.leadsNow();
        ctx.json(new ClusterView(jobs.replica(), leads));
    }
}
