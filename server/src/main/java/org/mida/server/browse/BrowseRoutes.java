package org.mida.server.browse;

import static org.mida.server.http.Json.intParam;

import io.javalin.http.Context;
import java.util.Locale;
import org.mida.event.EventCodec;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.Driver;

/**
 * GET /api/campaigns, /api/workflows, /api/workflows/{id}, /api/workflows/{id}/tasks, /api/tasks/{id}.
 * Ids full of '/' (URIs) can also be given as {@code ?id=}: Jetty refuses encoded slashes in paths.
 *
 * <pre>{@code
 * var browse = BrowseRoutes.create(driver, codec, json);
 * config.routes.get("/api/workflows/{id}", browse::workflow);
 * }</pre>
 */
public final class BrowseRoutes {
    static final int MAX_LIMIT = 10_000;

    private final GraphBrowser browser;
    private final Json json;

    /** The browse routes over the graph behind {@code driver}; the package's one entry point. */
    public static BrowseRoutes create(Driver driver, EventCodec codec, Json json) {
        return new BrowseRoutes(new GraphBrowser(driver, codec), json);
    }

    BrowseRoutes(GraphBrowser browser, Json json) {
        this.browser = browser;
        this.json = json;
    }

    public void campaigns(Context ctx) {
        json.ok(ctx, new Campaigns(browser.campaigns()));
    }

    /** A listing, or one workflow when {@code ?id=} is given. */
    public void workflows(Context ctx) {
        String id = ctx.queryParam("id");
        if (id != null) {
            workflow(ctx, id);
            return;
        }
        int limit = intParam(ctx, "limit", 1000, 1, MAX_LIMIT);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        var page = browser.workflows(ctx.queryParam("campaign_id"), limit, offset);
        json.ok(ctx, new WorkflowSummary.Page(page, limit, offset));
    }

    public void workflow(Context ctx) {
        workflow(ctx, ctx.pathParam("id"));
    }

    private void workflow(Context ctx, String id) {
        json.ok(ctx, browser.workflow(id).orElseThrow(() -> noWorkflow(id)));
    }

    public void workflowTasks(Context ctx) {
        String id = ctx.pathParam("id");
        String status = ctx.queryParam("status");
        int limit = intParam(ctx, "limit", 100, 1, MAX_LIMIT);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        String wanted = status == null ? null : status.toUpperCase(Locale.ROOT);
        json.ok(ctx, browser.workflowTasks(id, wanted, limit, offset).orElseThrow(() -> noWorkflow(id)));
    }

    public void task(Context ctx) {
        task(ctx, ctx.pathParam("id"));
    }

    /** GET /api/tasks?id=… */
    public void taskByQuery(Context ctx) {
        task(ctx, Json.required(ctx, "id"));
    }

    private void task(Context ctx, String id) {
        GraphBrowser.StoredTask task =
                browser.task(id).orElseThrow(() -> ApiException.notFound("no task '" + id + "'"));
        if (task.placeholder())
            throw ApiException.notFound("task '" + id + "' is known only as a dependency of other tasks;"
                    + " its own events have not arrived");
        json.ok(ctx, task.document());
    }

    /** GET /api/entities?id=… (an entity's id or one of its versions'). */
    public void entity(Context ctx) {
        String id = Json.required(ctx, "id");
        json.ok(ctx, browser.entity(id).orElseThrow(() -> ApiException.notFound("no entity or version '" + id + "'")));
    }

    private static ApiException noWorkflow(String id) {
        return ApiException.notFound("no workflow '" + id + "'");
    }
}
