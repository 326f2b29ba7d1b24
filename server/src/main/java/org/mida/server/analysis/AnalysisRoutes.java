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
    private final LifecycleReport report;
    private final ReportMarkdown markdown;
    private final Json json;

    public AnalysisRoutes(
            Driver driver,
            GraphBrowser browser,
            Correlation correlation,
            LifecycleReport report,
            ReportMarkdown markdown,
            Json json) {
        this.driver = driver;
        this.browser = browser;
        this.correlation = correlation;
        this.report = report;
        this.markdown = markdown;
        this.json = json;
    }

    /** {@code GET /api/analysis/report?id=…}: the lifecycle of an entity (or a task). */
    public void reportByQuery(Context ctx) {
        report(ctx, Json.required(ctx, "id"));
    }

    /** {@code GET /api/analysis/report/{id}} for ids without '/'. */
    public void report(Context ctx) {
        report(ctx, ctx.pathParam("id"));
    }

    /**
     * Options: {@code format} = json | markdown (else {@code Accept: text/markdown} picks Markdown;
     * JSON by default), {@code depth} (steps, default 50, at most 500), {@code max_nodes} (tasks +
     * entities, default 2,000, at most 20,000).
     */
    private void report(Context ctx, String id) {
        String format = ctx.queryParam("format");
        boolean md;
        if (format == null || format.isBlank()) {
            String accept = ctx.header("Accept");
            md = accept != null && accept.toLowerCase(Locale.ROOT).contains("text/markdown");
        } else {
            format = format.trim().toLowerCase(Locale.ROOT);
            if (format.equals("md")) format = "markdown";
            if (!format.equals("json") && !format.equals("markdown"))
                throw ApiException.badRequest(
                        "query parameter 'format' must be json or markdown, got '" + format + "'");
            md = format.equals("markdown");
        }
        int depth = Json.intParam(ctx, "depth", 50, 1, 500);
        int maxNodes = Json.intParam(ctx, "max_nodes", 2_000, 1, 20_000);
        Map<String, Object> r = report.build(id, depth, maxNodes);
        if (md) ctx.status(200).contentType("text/markdown; charset=utf-8").result(markdown.render(r));
        else json.ok(ctx, r);
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
