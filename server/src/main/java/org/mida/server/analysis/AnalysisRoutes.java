package org.mida.server.analysis;

import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mida.cypher.Cypher;
import org.mida.server.browse.GraphBrowser;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.Driver;

/** GET /api/analysis/correlation and GET /api/analysis/report (paper IV-D). */
public final class AnalysisRoutes {
    private static final String CAMPAIGN_EXISTS = Cypher.load("analysis/campaign-exists");
    private static final List<String> STATUSES =
            List.of("SUBMITTED", "WAITING", "RUNNING", "FINISHED", "ERROR", "UNKNOWN");

    private final Driver driver;
    private final GraphBrowser browser;
    private final Correlation correlation;
    private final Json json;

    public AnalysisRoutes(Driver driver, GraphBrowser browser, Correlation correlation, Json json) {
        this.driver = driver;
        this.browser = browser;
        this.correlation = correlation;
        this.json = json;
    }

    /**
     * {@code GET /api/analysis/correlation?workflow_id=… | campaign_id=…} with optional {@code
     * activity_id}, {@code status} (default FINISHED; {@code any} for all), {@code method}
     * (pearson|spearman|both), {@code telemetry} (true|false, default true), {@code limit} (tasks,
     * default 100,000) and {@code top} (default 20).
     */
    public void correlation(Context ctx) {
        String workflowId = blankToNull(ctx.queryParam("workflow_id"));
        String campaignId = blankToNull(ctx.queryParam("campaign_id"));
        if ((workflowId == null) == (campaignId == null))
            throw ApiException.badRequest("give exactly one of the query parameters 'workflow_id' and 'campaign_id'");
        String method = param(ctx, "method", "both").toLowerCase(Locale.ROOT);
        if (!List.of("pearson", "spearman", "both").contains(method))
            throw ApiException.badRequest(
                    "query parameter 'method' must be pearson, spearman or both, got '" + method + "'");
        String status = param(ctx, "status", "FINISHED").toUpperCase(Locale.ROOT);
        if (status.equals("ANY")) status = null;
        else if (!STATUSES.contains(status))
            throw ApiException.badRequest("query parameter 'status' must be one of " + STATUSES + " or 'any', got '"
                    + ctx.queryParam("status") + "'");
        String telemetry = param(ctx, "telemetry", "true").toLowerCase(Locale.ROOT);
        if (!telemetry.equals("true") && !telemetry.equals("false"))
            throw ApiException.badRequest("query parameter 'telemetry' must be true or false");
        int limit = Json.intParam(ctx, "limit", 100_000, 1, 1_000_000);
        int top = Json.intParam(ctx, "top", 20, 0, 10_000);
        if (workflowId != null && !browser.workflowExists(workflowId))
            throw ApiException.notFound("no workflow '" + workflowId + "'");
        if (campaignId != null && !campaignExists(campaignId))
            throw ApiException.notFound("no campaign '" + campaignId + "'");
        var req = new Correlation.Request(
                workflowId,
                campaignId,
                blankToNull(ctx.queryParam("activity_id")),
                status,
                !method.equals("spearman"),
                !method.equals("pearson"),
                telemetry.equals("true"),
                limit,
                top);
        json.ok(ctx, correlation.run(req));
    }

    private boolean campaignExists(String id) {
        try (var session = driver.session()) {
            return session.executeRead(
                    tx -> tx.run(CAMPAIGN_EXISTS, Map.of("id", id)).hasNext());
        }
    }

    static String param(Context ctx, String name, String dflt) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() ? dflt : v.trim();
    }

    static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
