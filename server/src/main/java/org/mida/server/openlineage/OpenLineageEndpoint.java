package org.mida.server.openlineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.mida.cypher.Cypher;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.event.InvalidEventException;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@code POST /api/v1/lineage}: OpenLineage events, the default path of the OpenLineage HTTP transport.
 * The body is one event (what the clients send) or a JSON array of events, optionally gzip-compressed
 * ({@code Content-Encoding: gzip}, the transport's {@code compression: gzip}). Every event is checked
 * against the OpenLineage 2-0-2 schema first ({@link OpenLineageSchema}): any invalid event → 400 problem
 * listing each violation with its JSON pointer, nothing accepted. Then each event is mapped
 * ({@link OpenLineageMapper}): dataset entities of DatasetEvents and JobEvents are merged into the graph
 * at once; the task and workflow events are appended to the stream as one entry, so they take the
 * observers' path (and its idempotent, order-independent merge). Answer 202
 * {@code {"accepted","task_ids","workflow_ids","entity_ids","stream","entry_id"}}.
 */
public final class OpenLineageEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(OpenLineageEndpoint.class);
    private static final String UPSERT_DATASETS = Cypher.load("openlineage/upsert-datasets");

    /** Events in one request; the transport sends one at a time. */
    public static final int MAX_EVENTS = 10_000;

    private final Driver driver;
    private final UnifiedJedis redis;
    private final EventCodec codec;
    private final EventStream stream;
    private final Json json;
    private final long maxBodyBytes;
    private final OpenLineageMapper mapper;

    public OpenLineageEndpoint(
            Driver driver, UnifiedJedis redis, EventCodec codec, EventStream stream, Json json, long maxBodyBytes) {
        this.driver = driver;
        this.redis = redis;
        this.codec = codec;
        this.stream = stream;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
        this.mapper = new OpenLineageMapper(codec::toJson);
    }

    public void post(Context ctx) {
        String body = body(ctx);
        if (body.isBlank())
            throw ApiException.badRequest("the request body is empty; send an OpenLineage event (or an array of them)");
        Object root;
        try {
            root = codec.parse(body);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
            throw new ApiException(
                    ProblemType.INVALID_REQUEST,
                    "the body is not valid JSON: " + firstLine(e.getOriginalMessage()) + where,
                    List.of(Problem.Error.at("", "not valid JSON" + where)));
        } catch (RuntimeException | StackOverflowError e) {
            throw ApiException.badRequest("the body is not readable JSON: " + e.getMessage());
        }

        List<?> docs;
        boolean array = root instanceof List<?>;
        if (array) {
            docs = (List<?>) root;
            if (docs.isEmpty()) throw ApiException.badRequest("the array is empty; send at least one event");
            if (docs.size() > MAX_EVENTS)
                throw ApiException.badRequest("at most " + MAX_EVENTS + " events per request, got " + docs.size());
        } else {
            docs = List.of(root);
        }

        // 1. validate everything; 2. map everything; only then write
        var kinds = new ArrayList<OpenLineageSchema.Kind>(docs.size());
        var problems = new ArrayList<OpenLineageSchema.Problem>();
        int invalid = 0;
        for (int i = 0; i < docs.size(); i++) {
            var v = OpenLineageSchema.check(docs.get(i), array ? "/" + i : "");
            kinds.add(v.kind());
            if (!v.valid()) {
                invalid++;
                problems.addAll(v.problems());
            }
        }
        if (invalid > 0) throw invalid(problems, invalid, docs.size());

        var events = new ArrayList<Event>();
        var entities = new LinkedHashMap<String, Map<String, Object>>();
        var taskIds = new LinkedHashSet<String>();
        var workflowIds = new LinkedHashSet<String>();
        for (int i = 0; i < docs.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = (Map<String, Object>) docs.get(i);
            OpenLineageMapper.Mapped m;
            try {
                m = mapper.map(kinds.get(i), doc);
            } catch (InvalidEventException e) {
                throw invalid(
                        List.of(new OpenLineageSchema.Problem(array ? "/" + i : "", e.getMessage())), 1, docs.size());
            }
            events.addAll(m.events());
            for (var u : m.entities()) entities.merge(u.id(), u.props(), OpenLineageEndpoint::mergeProps);
            if (m.taskId() != null) taskIds.add(m.taskId());
            if (m.workflowId() != null) workflowIds.add(m.workflowId());
        }

        if (!entities.isEmpty()) {
            var rows = new ArrayList<Map<String, Object>>(entities.size());
            for (var e : entities.entrySet()) rows.add(Map.of("id", e.getKey(), "props", e.getValue()));
            try (var session = driver.session()) {
                session.executeWrite(
                        tx -> tx.run(UPSERT_DATASETS, Map.of("rows", rows)).consume());
            }
        }
        var out = new LinkedHashMap<String, Object>();
        out.put("accepted", docs.size());
        out.put("task_ids", new ArrayList<>(taskIds));
        out.put("workflow_ids", new ArrayList<>(workflowIds));
        out.put("entity_ids", new ArrayList<>(entities.keySet()));
        if (!events.isEmpty()) {
            StreamEntryID id = stream.appendAll(redis, codec, events);
            out.put("stream", stream.name());
            out.put("entry_id", id.toString());
        }
        LOG.debug("OpenLineage: {} events → {} MIDA events, {} entities", docs.size(), events.size(), entities.size());
        json.send(ctx, 202, out);
    }

    private static Map<String, Object> mergeProps(Map<String, Object> a, Map<String, Object> b) {
        var m = new LinkedHashMap<String, Object>(a);
        m.putAll(b);
        return m;
    }

    private static ApiException invalid(List<OpenLineageSchema.Problem> problems, int invalid, int total) {
        var errors = new ArrayList<Problem.Error>();
        for (var p : problems.subList(0, Math.min(50, problems.size())))
            errors.add(Problem.Error.at(p.pointer(), p.detail()));
        var first = problems.get(0);
        String where = first.pointer().isEmpty() ? "the body" : first.pointer();
        return new ApiException(
                ProblemType.INVALID_EVENTS,
                (total == 1 ? "the event does not follow" : invalid + " of " + total + " events do not follow")
                        + " the OpenLineage 2-0-2 schema, nothing was accepted; first: " + where + ": "
                        + first.detail(),
                errors);
    }

    /** The body as text, inflated when the client compressed it, within the request size limit. */
    private String body(Context ctx) {
        String enc = ctx.header("Content-Encoding");
        if (enc == null || enc.isBlank() || enc.trim().equalsIgnoreCase("identity")) return ctx.body();
        if (!enc.trim().toLowerCase(Locale.ROOT).matches("x-gzip|gzip"))
            throw new ApiException(
                    ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding '" + enc + "' is not supported; use gzip or none");
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(ctx.bodyAsBytes()))) {
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

    private static String firstLine(String msg) {
        if (msg == null) return "";
        int nl = msg.indexOf('\n');
        return nl > 0 ? msg.substring(0, nl) : msg;
    }
}
