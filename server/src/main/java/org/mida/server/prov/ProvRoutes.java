package org.mida.server.prov;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Function;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.Driver;
import redis.clients.jedis.UnifiedJedis;

/**
 * GET /api/prov/workflows?id=… and /api/prov/campaigns?id=… (also {@code /{id}} for ids without '/'):
 * the PROV-JSON document, streamed; {@code ?download=1} adds a {@code Content-Disposition}. POST
 * /api/prov imports a PROV-JSON document and answers 202 {@link ImportAnswer}.
 */
public final class ProvRoutes {
    private final ProvExporter exporter;
    private final ProvImporter importer;
    private final Json json;

    ProvRoutes(ProvExporter exporter, ProvImporter importer, Json json) {
        this.exporter = exporter;
        this.importer = importer;
        this.json = json;
    }

    public static ProvRoutes create(
            Driver driver, UnifiedJedis redis, EventCodec codec, EventStream stream, Json json) {
        return new ProvRoutes(new ProvExporter(driver, codec), new ProvImporter(driver, redis, codec, stream), json);
    }

    public void workflowByQuery(Context ctx) {
        export(ctx, Json.required(ctx, "id"), "workflow", exporter::workflow);
    }

    public void workflow(Context ctx) {
        export(ctx, ctx.pathParam("id"), "workflow", exporter::workflow);
    }

    public void campaignByQuery(Context ctx) {
        export(ctx, Json.required(ctx, "id"), "campaign", exporter::campaign);
    }

    public void campaign(Context ctx) {
        export(ctx, ctx.pathParam("id"), "campaign", exporter::campaign);
    }

    private void export(Context ctx, String id, String kind, Function<String, Optional<ProvExporter.Document>> find) {
        ProvExporter.Document doc =
                find.apply(id).orElseThrow(() -> ApiException.notFound("no " + kind + " '" + id + "'"));
        try (doc) {
            ctx.status(200).contentType("application/json");
            String download = ctx.queryParam("download");
            if (download != null && !download.equals("0") && !download.equalsIgnoreCase("false"))
                ctx.header("Content-Disposition", "attachment; filename=\"" + fileName(kind, id) + "\"");
            try (OutputStream out = ctx.outputStream()) {
                doc.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the PROV export", e);
        }
    }

    /** {@code mida-workflow-<id>.prov.json} with anything but letters, digits, '.', '_', '-' replaced. */
    static String fileName(String kind, String id) {
        String safe = id.replaceAll("[^A-Za-z0-9._-]+", "_");
        if (safe.length() > 100) safe = safe.substring(0, 100);
        return "mida-" + kind + "-" + safe + ".prov.json";
    }

    public void importDocument(Context ctx) {
        ImportAnswer answer =
                importer.importDocument(ctx.body(), ctx.queryParam("workflow_id"), ctx.queryParam("campaign_id"));
        json.send(ctx, 202, answer);
    }
}
