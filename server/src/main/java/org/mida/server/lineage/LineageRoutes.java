package org.mida.server.lineage;

import static org.mida.server.http.Json.intParam;

import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.Driver;

/**
 * {@code GET /api/lineage?id=…&direction=upstream|downstream|both&depth=N&limit=M[&kind=task|entity|workflow][&versions=false]}
 * and {@code GET /api/lineage/workflows?campaign_id=…}. The id is a query parameter: ids are URIs full of
 * '/', which Jetty refuses encoded in a path.
 *
 * <pre>{@code
 * var lineage = new LineageRoutes(driver, () -> metrics.batches(), json);
 * config.routes.get("/api/lineage", lineage::lineage);
 * config.routes.get("/api/lineage/workflows", lineage::workflows);
 * }</pre>
 */
public final class LineageRoutes {
    static final int DEFAULT_DEPTH = 5;
    static final int MAX_DEPTH = LineageGraph.MAX_DEPTH;
    static final int DEFAULT_LIMIT = 500;
    static final int MAX_LIMIT = 5000;
    private static final List<String> KINDS = List.of("task", "entity", "workflow");

    private final LineageGraph graph;
    private final Json json;

    /**
     * @param ingestGeneration a number that changes whenever the ingest writes (the batch counter): the
     *     cached workflow feed graph is stale once it moved
     */
    public LineageRoutes(Driver driver, LongSupplier ingestGeneration, Json json) {
        this.graph = new LineageGraph(driver, ingestGeneration);
        this.json = json;
    }

    public void lineage(Context ctx) {
        String id = Json.required(ctx, "id");
        Direction dir = direction(ctx.queryParam("direction"));
        int depth = intParam(ctx, "depth", DEFAULT_DEPTH, 1, MAX_DEPTH);
        int limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String kind = kind(ctx.queryParam("kind"));
        boolean versions = versions(ctx.queryParam("versions"));
        Lineage answer = graph.lineage(id, kind, dir, depth, limit, versions)
                .orElseThrow(() -> ApiException.notFound(
                        "no " + (kind == null ? "task, entity or workflow" : kind) + " with id '" + id + "'"));
        json.ok(ctx, answer);
    }

    public void workflows(Context ctx) {
        String campaign = ctx.queryParam("campaign_id");
        json.ok(ctx, graph.workflowOverview(campaign == null || campaign.isEmpty() ? null : campaign));
    }

    static Direction direction(String v) {
        if (v == null || v.isBlank()) return Direction.BOTH;
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "upstream", "up" -> Direction.UPSTREAM;
            case "downstream", "down" -> Direction.DOWNSTREAM;
            case "both" -> Direction.BOTH;
            default ->
                throw ApiException.badParameter(
                        "direction",
                        "query parameter 'direction' must be upstream, downstream or both, got '" + v + "'");
        };
    }

    /** The time-true view (true, the default) or the cumulative one ({@code versions=false}). */
    static boolean versions(String v) {
        if (v == null || v.isBlank()) return true;
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default ->
                throw ApiException.badParameter(
                        "versions", "query parameter 'versions' must be true or false, got '" + v + "'");
        };
    }

    /** The kind the id must name, or null for any. */
    static String kind(String v) {
        if (v == null || KINDS.contains(v)) return v;
        throw ApiException.badParameter("kind", "query parameter 'kind' must be one of " + KINDS + ", got '" + v + "'");
    }
}
