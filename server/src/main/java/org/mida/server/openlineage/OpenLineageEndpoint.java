package org.mida.server.openlineage;

import io.javalin.http.Context;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Driver;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@code POST /api/v1/lineage}: OpenLineage events, the default path of the OpenLineage HTTP transport.
 * The body is one event (what the clients send) or a JSON array of events, optionally gzip-compressed
 * ({@code Content-Encoding: gzip}, the transport's {@code compression: gzip}). Every event is checked
 * against the OpenLineage 2-0-2 schema first ({@link OpenLineageSchema}): any invalid event → 400 problem
 * listing each violation with its JSON pointer, nothing accepted. Then each event is mapped
 * ({@link OpenLineageMapper}): dataset entities of DatasetEvents and JobEvents are merged into the graph
 * at once; the task and workflow events are appended to the stream as one entry, so they take the
 * observers' path (and its idempotent, order-independent merge). Answer 202 {@link LineageAnswer}
 * {@code {"accepted","task_ids","workflow_ids","entity_ids","stream","entry_id"}}.
 *
 * <pre>{@code
 * var openLineage = new OpenLineageEndpoint(driver, redis, codec, eventStream, json, 64L * 1024 * 1024, null);
 * c.routes.post("/api/v1/lineage", openLineage::post);
 * }</pre>
 */
public final class OpenLineageEndpoint {
    private final OpenLineageIngest ingest;
    private final Json json;
    private final long maxBodyBytes;

    /**
     * @param maxBodyBytes the most bytes a gzip-compressed body may inflate to
     * @param defaultCampaign the campaign of OpenLineage runs and jobs that name none ({@code
     *     MIDA_OPENLINEAGE_CAMPAIGN}), or null
     */
    public OpenLineageEndpoint(
            Driver driver,
            UnifiedJedis redis,
            EventCodec codec,
            EventStream stream,
            Json json,
            long maxBodyBytes,
            String defaultCampaign) {
        this.ingest = new OpenLineageIngest(driver, redis, codec, stream, defaultCampaign);
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
    }

    public void post(Context ctx) {
        json.send(ctx, 202, ingest.accept(body(ctx)));
    }

    /** The body as text, inflated when the client compressed it, within the request size limit. */
    private String body(Context ctx) {
        String enc = ctx.header("Content-Encoding");
        if (enc == null || enc.isBlank() || enc.trim().equalsIgnoreCase("identity")) return ctx.body();
        if (!enc.trim().toLowerCase(Locale.ROOT).matches("x-gzip|gzip"))
            throw new ApiException(
                    ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding '" + enc + "' is not supported; use gzip or none");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(ctx.bodyAsBytes()))) {
            var out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > maxBodyBytes)
                    throw new ApiException(
                            ProblemType.CONTENT_TOO_LARGE,
                            "the inflated body is larger than " + maxBodyBytes + " bytes");
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid gzip: " + e.getMessage());
        }
    }
}
