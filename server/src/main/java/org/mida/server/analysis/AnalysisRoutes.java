package org.mida.server.analysis;

import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import org.mida.event.EventCodec;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.Driver;

/**
 * The analyses of the paper's section IV-D over HTTP: {@code GET /api/analysis/correlation} (Fig. 4) and
 * {@code GET /api/analysis/report} (the lifecycle of a model or dataset, as JSON or Markdown). The
 * package's one public type; errors are thrown as {@link ApiException} for the app's one mapper.
 *
 * <pre>{@code
 * var analysis = AnalysisRoutes.create(driver, codec, json);
 * config.routes.get("/api/analysis/correlation", analysis::correlation);
 * config.routes.get("/api/analysis/report", analysis::reportByQuery);
 * config.routes.get("/api/analysis/report/{id}", analysis::report);
 * }</pre>
 */
public final class AnalysisRoutes {
    private static final List<String> STATUSES =
            List.of("SUBMITTED", "WAITING", "RUNNING", "FINISHED", "ERROR", "UNKNOWN");

    private final Correlation correlation;
    private final LifecycleReport report;
    private final ReportMarkdown markdown;
    private final Json json;

    private AnalysisRoutes(Correlation correlation, LifecycleReport report, ReportMarkdown markdown, Json json) {
        this.correlation = correlation;
        this.report = report;
        this.markdown = markdown;
        this.json = json;
    }

    /** The routes over a Neo4j driver; {@code codec} reads stored documents and writes nested values. */
    public static AnalysisRoutes create(Driver driver, EventCodec codec, Json json) {
        var queries = new AnalysisQueries(driver);
        return new AnalysisRoutes(
                new Correlation(queries, codec.mapper()),
                new LifecycleReport(queries, codec),
                new ReportMarkdown(codec::toJson),
                json);
    }

    /** {@code GET /api/analysis/report?id=…}: the lifecycle of an entity (or a task). */
    public void reportByQuery(Context ctx) {
        report(ctx, required(ctx, "id"));
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
        boolean md = markdownWanted(ctx);
        int depth = Json.intParam(ctx, "depth", 50, 1, 500);
        int maxNodes = Json.intParam(ctx, "max_nodes", 2_000, 1, 20_000);
        Report r = report.build(id, depth, maxNodes);
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
        json.ok(ctx, correlation.run(correlationRequest(ctx)));
    }

    /** The correlation request a query string asks for; a blank parameter counts as absent. */
    private static Correlation.Request correlationRequest(Context ctx) {
        String workflowId = id(ctx, "workflow_id");
        String campaignId = id(ctx, "campaign_id");
        if ((workflowId == null) == (campaignId == null))
            throw ApiException.badRequest("give exactly one of the query parameters 'workflow_id' and 'campaign_id'");
        Correlation.Method method = method(ctx);
        String status = status(ctx);
        boolean telemetry = flag(ctx, "telemetry", true);
        int limit = Json.intParam(ctx, "limit", 100_000, 1, 1_000_000);
        int top = Json.intParam(ctx, "top", 20, 0, 10_000);
        return new Correlation.Request(
                workflowId, campaignId, id(ctx, "activity_id"), status, method, telemetry, limit, top);
    }

    /** {@code format}, else the {@code Accept} header: whether Markdown rather than JSON is wanted. */
    private static boolean markdownWanted(Context ctx) {
        String format = option(ctx, "format");
        if (format == null) {
            String accept = ctx.header("Accept");
            return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/markdown");
        }
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "json" -> false;
            case "markdown", "md" -> true;
            default ->
                throw ApiException.badParameter(
                        "format",
                        "query parameter 'format' must be json or markdown, got '" + format.toLowerCase(Locale.ROOT)
                                + "'");
        };
    }

    /** {@code status}: one of {@link #STATUSES} (any case), FINISHED when absent, null for {@code any}. */
    private static String status(Context ctx) {
        String raw = option(ctx, "status");
        String status = raw == null ? "FINISHED" : raw.toUpperCase(Locale.ROOT);
        if (status.equals("ANY")) return null;
        if (!STATUSES.contains(status))
            throw ApiException.badParameter(
                    "status",
                    "query parameter 'status' must be one of " + STATUSES + " or 'any', got '"
                            + ctx.queryParam("status") + "'");
        return status;
    }

    private static Correlation.Method method(Context ctx) {
        String raw = option(ctx, "method");
        String method = raw == null ? "both" : raw.toLowerCase(Locale.ROOT);
        return switch (method) {
            case "pearson" -> Correlation.Method.PEARSON;
            case "spearman" -> Correlation.Method.SPEARMAN;
            case "both" -> Correlation.Method.BOTH;
            default ->
                throw ApiException.badParameter(
                        "method", "query parameter 'method' must be pearson, spearman or both, got '" + method + "'");
        };
    }

    private static boolean flag(Context ctx, String name, boolean dflt) {
        String raw = option(ctx, name);
        if (raw == null) return dflt;
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badParameter(name, "query parameter '" + name + "' must be true or false");
        };
    }

    /** An option's value, trimmed; null when absent or blank. */
    private static String option(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** An id as given (ids may start or end with spaces); null when absent or blank. */
    private static String id(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * A query parameter that must be there and not blank, as given (ids may start or end with spaces).
     * Through Javalin's validator, so a missing one is a 400 naming it.
     */
    private static String required(Context ctx, String name) {
        return ctx.queryParamAsClass(name, String.class)
                .check(v -> v != null && !v.isBlank(), "query parameter '" + name + "' is required")
                .get();
    }
}
