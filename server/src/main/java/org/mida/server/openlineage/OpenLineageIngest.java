package org.mida.server.openlineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.mida.cypher.Cypher;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.event.InvalidEventException;
import org.mida.server.http.ApiException;
import org.mida.server.http.JsonPointers;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;

/**
 * Takes in the OpenLineage events of one request, all or nothing: every event is checked against the
 * schema ({@link OpenLineageSchema}) and mapped ({@link OpenLineageMapper}) before anything is written;
 * then the dataset entities are merged into the graph and the MIDA events appended as one stream entry.
 */
final class OpenLineageIngest {
    private static final Logger LOG = LoggerFactory.getLogger(OpenLineageIngest.class);
    private static final String UPSERT_DATASETS = Cypher.load("openlineage/upsert-datasets");

    /** Events in one request; the transport sends one at a time. */
    static final int MAX_EVENTS = 10_000;

    private final Driver driver;
    private final UnifiedJedis redis;
    private final EventCodec codec;
    private final EventStream stream;
    private final OpenLineageMapper mapper;

    OpenLineageIngest(Driver driver, UnifiedJedis redis, EventCodec codec, EventStream stream, String campaign) {
        this.driver = driver;
        this.redis = redis;
        this.codec = codec;
        this.stream = stream;
        this.mapper = new OpenLineageMapper(codec::toJson, campaign);
    }

    /** One event or a JSON array of events, as text. */
    LineageAnswer accept(String body) {
        if (body.isBlank())
            throw ApiException.badRequest("the request body is empty; send an OpenLineage event (or an array of them)");
        Object root = parse(body);
        boolean array = root instanceof List<?>;
        List<?> docs = array ? (List<?>) root : Collections.singletonList(root); // null: the schema check says so
        if (docs.isEmpty()) throw ApiException.badRequest("the array is empty; send at least one event");
        if (docs.size() > MAX_EVENTS)
            throw ApiException.badRequest("at most " + MAX_EVENTS + " events per request, got " + docs.size());

        // 1. validate everything; 2. map everything; only then write
        var kinds = new ArrayList<OpenLineageSchema.Kind>(docs.size());
        var problems = new ArrayList<OpenLineageSchema.Problem>();
        int invalid = 0;
        for (int i = 0; i < docs.size(); i++) {
            var v = OpenLineageSchema.check(docs.get(i), array ? JsonPointers.of(i) : "");
            kinds.add(v.kind());
            if (!v.valid()) {
                invalid++;
                problems.addAll(v.problems());
            }
        }
        if (invalid > 0) throw invalid(problems, invalid, docs.size());

        var events = new ArrayList<Event>();
        var entities = new LinkedHashMap<String, OpenLineageMapper.EntityUpsert>();
        var taskIds = new LinkedHashSet<String>();
        var workflowIds = new LinkedHashSet<String>();
        for (int i = 0; i < docs.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = (Map<String, Object>) docs.get(i);
            OpenLineageMapper.Mapped m;
            try {
                m = mapper.map(kinds.get(i), doc);
            } catch (InvalidEventException e) {
                throw refused(new OpenLineageSchema.Problem(array ? JsonPointers.of(i) : "", e.getMessage()));
            } catch (OpenLineageMapper.InvalidValue e) {
                throw refused(
                        new OpenLineageSchema.Problem((array ? JsonPointers.of(i) : "") + e.pointer, e.getMessage()));
            }
            events.addAll(m.events());
            for (var u : m.entities()) entities.merge(u.id(), u, OpenLineageMapper.EntityUpsert::merge);
            if (m.taskId() != null) taskIds.add(m.taskId());
            if (m.workflowId() != null) workflowIds.add(m.workflowId());
        }

        if (!entities.isEmpty()) {
            var rows = entities.values().stream()
                    .map(OpenLineageMapper.EntityUpsert::row)
                    .toList();
            try (var session = driver.session()) {
                session.executeWrite(
                        tx -> tx.run(UPSERT_DATASETS, Map.of("rows", rows)).consume());
            }
        }
        String entryId = null;
        if (!events.isEmpty()) {
            StreamEntryID id = stream.appendAll(redis, codec, events);
            entryId = id.toString();
        }
        LOG.debug("OpenLineage: {} events → {} MIDA events, {} entities", docs.size(), events.size(), entities.size());
        return new LineageAnswer(
                docs.size(),
                new ArrayList<>(taskIds),
                new ArrayList<>(workflowIds),
                new ArrayList<>(entities.keySet()),
                entryId == null ? null : stream.name(),
                entryId);
    }

    private Object parse(String body) {
        try {
            return codec.parse(body);
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

    /** A valid OpenLineage event that MIDA cannot take (a value out of its limits). */
    private static ApiException refused(OpenLineageSchema.Problem p) {
        String where = p.pointer().isEmpty() ? "the event" : p.pointer();
        return new ApiException(
                ProblemType.INVALID_EVENTS,
                "an event cannot be taken in, nothing was accepted: " + where + ": " + p.detail(),
                List.of(Problem.Error.at(p.pointer(), p.detail())));
    }

    private static String firstLine(String msg) {
        if (msg == null) return "";
        int nl = msg.indexOf('\n');
        return nl > 0 ? msg.substring(0, nl) : msg;
    }
}
