package org.mida.server.openlineage;

import static org.mida.event.EventCodec.kind;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.mida.event.EntityRef;
import org.mida.event.Event;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;

/**
 * Turns one valid OpenLineage event into MIDA events (and, for static metadata, entity upserts). Pure:
 * no I/O, the same input always gives the same output, so retried deliveries merge into nothing new.
 *
 * <h2>RunEvent</h2>
 *
 * <ul>
 *   <li>The run is a task: {@code task_id} = the {@code runId} (lower-case UUID), {@code activity_id} =
 *       {@code <job namespace>/<job name>}, {@code adapter_id} = {@code producer}, {@code subtype} = the
 *       {@code jobType} job facet's {@code jobType} (DAG, TASK, JOB, QUERY …) when sent.
 *   <li>{@code eventType}: START → RUNNING with {@code started_at} = {@code eventTime}; RUNNING →
 *       RUNNING; COMPLETE → FINISHED with {@code ended_at}; FAIL → ERROR with {@code ended_at}; ABORT →
 *       ERROR with {@code ended_at}, tag {@code aborted} and {@code custom_metadata."openlineage.aborted"}
 *       = true; OTHER (or none) → no status and no time, only metadata. The ingest's monotonic merge makes
 *       the order of arrival irrelevant (COMPLETE before START still ends FINISHED).
 *   <li>Workflow: a run is a task of the workflow {@code openlineage:run:<id>} of the top of its run
 *       hierarchy: the {@code root} run of its {@code parent} facet when sent (spec ≥ 1-1-0 of the facet),
 *       else the {@code parent} run, else its own run. So an Airflow DAG run is one workflow holding the
 *       DAG run's own task and its task instances (and the Spark jobs they start, when the producer sends
 *       {@code root}); a Spark application is one workflow holding the application run and its jobs; a
 *       run without parent is a workflow of its own. {@code parent_task_id} = the parent's runId, so the
 *       hierarchy inside the workflow is kept. The workflow's {@code name} is the top job's
 *       {@code namespace/name}; a top-level run's own events also give the workflow its status and times.
 *   <li>{@code inputs} → {@code used}: key (role) = the dataset name (its id when two datasets share a
 *       name), value = an entity reference {@code {"@id": DatasetIds.of(namespace, name), "@type":
 *       "dataset", "namespace", "name", …}} carrying the dataset facets (see {@link #entityAttributes});
 *       the {@code version} dataset facet's {@code datasetVersion} becomes the reference's {@code version}
 *       (the version it names explicitly).
 *   <li>{@code outputs}: generated only by a run that completed. A COMPLETE event's outputs →
 *       {@code generated} (references as above). The outputs any other event names (START, RUNNING,
 *       OTHER, FAIL, ABORT) are kept, same references under the same roles, in {@code
 *       custom_metadata."openlineage.declared_outputs"} and are not generated: a run that ends in FAIL or
 *       ABORT generated nothing, and one still running has generated nothing yet. (A producer that names
 *       its outputs only in START and not in COMPLETE therefore records no generation.)
 *   <li>Input/output facets (per-run statistics, data quality) go to {@code
 *       custom_metadata."openlineage.input:<id>"} / {@code "openlineage.output:<id>"}.
 *   <li>Campaign: the {@code campaign_id} of the custom run facet {@code mida} ({@code
 *       "run": {"facets": {"mida": {"_producer", "_schemaURL", "campaign_id": "c1"}}}}), else that of a job
 *       facet {@code mida}, else the server's {@code MIDA_OPENLINEAGE_CAMPAIGN}, else none; it goes to the
 *       task and its workflow. A {@code campaign_id} that is not a non-blank string of at most 1024
 *       characters is refused (400, pointer to it). Events of one run hierarchy should name the same
 *       campaign: when they differ, the last ingested wins, as for any workflow.
 *   <li>Facets are kept whole in {@code custom_metadata}, one key per facet ({@code openlineage.run.<name>},
 *       {@code openlineage.job.<name>}) so that facets sent only with START (nominalTime, parent) and
 *       only with COMPLETE (errorMessage, statistics) all survive the key-by-key merge. The
 *       {@code errorMessage} facet's message and stack trace also go to {@code stderr}; {@code tags}
 *       facets become {@code key:value} tags; every task is tagged {@code openlineage}.
 * </ul>
 *
 * <h2>DatasetEvent</h2>
 *
 * An entity upsert (id and attributes as above). There is no MIDA event for an entity without a task,
 * so the endpoint writes these directly (MERGE on the id).
 *
 * <h2>JobEvent</h2>
 *
 * A job definition without a run: a workflow {@code openlineage:job:<namespace>/<name>} whose name is
 * the job's, holding one task of the same id, the job definition ({@code subtype} the {@code jobType}
 * facet's, tags {@code openlineage} and {@code job_definition}, no status and no times), whose
 * {@code used}/{@code generated} are the job's declared inputs/outputs. So the static lineage is drawn
 * like a run's (USED / WAS_GENERATED_BY of that task) and reads the same in {@code /api/lineage} and in
 * the PROV export (an activity that used the inputs and generated the outputs). The job's facets go to
 * the {@code custom_metadata} of both; the datasets themselves are also upserted as entities. References
 * carry no {@code version}: a definition names no particular version of its datasets.
 */
final class OpenLineageMapper {

    /** Prefix of workflow ids made from OpenLineage run hierarchies. */
    static final String RUN_WORKFLOW_PREFIX = "openlineage:run:";
    /** Prefix of workflow ids made from JobEvents (job definitions). */
    static final String JOB_WORKFLOW_PREFIX = "openlineage:job:";

    /** The custom run (or job) facet that names a campaign: {@code {"campaign_id": "…"}}. */
    static final String MIDA_FACET = "mida";

    /** The key of {@code custom_metadata} that keeps the outputs a run named but did not (yet) generate. */
    static final String DECLARED_OUTPUTS = "openlineage.declared_outputs";

    private final Function<Object, String> json;
    private final String defaultCampaign;

    /**
     * @param json turns a facet into the JSON text stored as an entity property
     * @param defaultCampaign the campaign of runs and jobs whose events name none ({@code
     *     MIDA_OPENLINEAGE_CAMPAIGN}), or null
     */
    OpenLineageMapper(Function<Object, String> json, String defaultCampaign) {
        this.json = json;
        this.defaultCampaign = defaultCampaign == null || defaultCampaign.isBlank() ? null : defaultCampaign.trim();
    }

    /** A value of an event MIDA refuses; {@code pointer} is a JSON pointer inside the event. */
    static final class InvalidValue extends RuntimeException {
        final String pointer;

        InvalidValue(String pointer, String detail) {
            super(detail);
            this.pointer = pointer;
        }
    }

    /** An entity written directly: its id and the node properties to merge onto it (keys as stored). */
    record EntityUpsert(String id, Map<String, Object> props) {
        EntityUpsert {
            props = Collections.unmodifiableMap(new LinkedHashMap<>(props));
        }

        /** This entity with a later event's properties over its own. */
        EntityUpsert merge(EntityUpsert later) {
            var m = new LinkedHashMap<>(props);
            m.putAll(later.props());
            return new EntityUpsert(id, m);
        }

        /** The row of the {@code openlineage/upsert-datasets} statement: {@code {id, props}}. */
        Map<String, Object> row() {
            return Map.of("id", id, "props", props);
        }
    }

    /** A run a {@code parent} facet names (the parent itself or its {@code root}): its runId and job. */
    private record RunRef(String runId, String job) {
        /** The run of {@code {"run": {"runId"}, "job": {"namespace", "name"}}}, or null when it names none. */
        static RunRef of(Map<String, Object> part) {
            if (!(obj(part.get("run")).get("runId") instanceof String id)) return null;
            return new RunRef(uuid(id), jobName(obj(part.get("job"))));
        }
    }

    /** What one OpenLineage event became. */
    record Mapped(
            OpenLineageSchema.Kind kind,
            List<Event> events,
            List<EntityUpsert> entities,
            String taskId,
            String workflowId) {}

    Mapped map(OpenLineageSchema.Kind kind, Map<String, Object> ev) {
        return switch (kind) {
            case RUN -> runEvent(ev);
            case DATASET -> datasetEvent(ev);
            case JOB -> jobEvent(ev);
        };
    }

    // --- RunEvent ---

    private Mapped runEvent(Map<String, Object> ev) {
        Map<String, Object> run = obj(ev.get("run"));
        Map<String, Object> job = obj(ev.get("job"));
        String runId = uuid((String) run.get("runId"));
        String activity = jobName(job);
        String producer = (String) ev.get("producer");
        String eventType = (String) ev.get("eventType");
        Double time = OpenLineageSchema.parseTime((String) ev.get("eventTime"));
        Map<String, Object> runFacets = obj(run.get("facets"));
        Map<String, Object> jobFacets = obj(job.get("facets"));

        Map<String, Object> parentFacet = obj(runFacets.get("parent"));
        RunRef parent = RunRef.of(parentFacet);
        RunRef root = RunRef.of(obj(parentFacet.get("root")));
        RunRef top = root != null ? root : parent != null ? parent : new RunRef(runId, activity);
        String workflowId = RUN_WORKFLOW_PREFIX + top.runId();

        Status status = null;
        Double started = null;
        Double ended = null;
        if (eventType != null) {
            switch (eventType) {
                case "START" -> {
                    status = Status.RUNNING;
                    started = time;
                }
                case "RUNNING" -> status = Status.RUNNING;
                case "COMPLETE" -> {
                    status = Status.FINISHED;
                    ended = time;
                }
                case "FAIL", "ABORT" -> {
                    status = Status.ERROR;
                    ended = time;
                }
                default -> {
                    // OTHER: metadata only
                }
            }
        }

        var meta = new LinkedHashMap<String, Object>();
        meta.put("openlineage.job_namespace", job.get("namespace"));
        meta.put("openlineage.job_name", job.get("name"));
        meta.put("openlineage.schemaURL", ev.get("schemaURL"));
        for (var f : runFacets.entrySet()) meta.put("openlineage.run." + f.getKey(), f.getValue());
        for (var f : jobFacets.entrySet()) meta.put("openlineage.job." + f.getKey(), f.getValue());
        var tags = new LinkedHashSet<String>();
        tags.add("openlineage");
        if ("ABORT".equals(eventType)) {
            meta.put("openlineage.aborted", true);
            tags.add("aborted");
        }
        tags.addAll(facetTags(jobFacets));
        tags.addAll(facetTags(runFacets));

        var used = new LinkedHashMap<String, Object>();
        var outputs = new LinkedHashMap<String, Object>();
        datasetRefs(ev.get("inputs"), "inputFacets", "openlineage.input:", used, meta, true);
        datasetRefs(ev.get("outputs"), "outputFacets", "openlineage.output:", outputs, meta, true);
        // only a completed run generated its outputs; the others' stay declared in the document
        Map<String, Object> generated = Map.of();
        if ("COMPLETE".equals(eventType)) generated = outputs;
        else if (!outputs.isEmpty()) meta.put(DECLARED_OUTPUTS, outputs);

        String subtype = null;
        if (obj(jobFacets.get("jobType")).get("jobType") instanceof String jt) subtype = jt;
        String campaign = campaign(runFacets, "/run/facets/" + MIDA_FACET, jobFacets);

        TaskEvent task = TaskEvent.builder(runId)
                .workflowId(workflowId)
                .campaignId(campaign)
                .activityId(activity)
                .status(status)
                .startedAt(started)
                .endedAt(ended)
                .used(used)
                .generated(generated)
                .parentTaskId(parent == null ? null : parent.runId())
                .subtype(subtype)
                .adapterId(producer)
                .stderr(errorText(obj(runFacets.get("errorMessage"))))
                .customMetadata(meta)
                .tags(new ArrayList<>(tags))
                .build();

        WorkflowEvent workflow;
        if (top.runId().equals(runId)) {
            // a top-level run: its own events give the workflow its state and the job's description
            var wfMeta = new LinkedHashMap<String, Object>();
            wfMeta.put("openlineage.job_namespace", job.get("namespace"));
            wfMeta.put("openlineage.job_name", job.get("name"));
            wfMeta.put("openlineage.run_id", runId);
            for (var f : jobFacets.entrySet()) wfMeta.put("openlineage.job." + f.getKey(), f.getValue());
            workflow = new WorkflowEvent(
                    workflowId,
                    campaign,
                    top.job(),
                    null,
                    producer,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    wfMeta,
                    started,
                    ended,
                    status,
                    null);
        } else {
            workflow = WorkflowEvent.of(workflowId, campaign, top.job());
        }
        return new Mapped(OpenLineageSchema.Kind.RUN, List.of(workflow, task), List.of(), runId, workflowId);
    }

    /**
     * The entity references of a list of datasets, by role, into {@code out}; their input/output facets
     * into {@code meta}. With {@code versions}, the {@code version} dataset facet's {@code datasetVersion}
     * becomes the reference's {@code version}.
     */
    private void datasetRefs(
            Object list,
            String extraFacets,
            String metaPrefix,
            Map<String, Object> out,
            Map<String, Object> meta,
            boolean versions) {
        if (!(list instanceof List<?> datasets)) return;
        for (Object o : datasets) {
            Map<String, Object> d = obj(o);
            String namespace = (String) d.get("namespace");
            String name = (String) d.get("name");
            String id = DatasetIds.of(namespace, name);
            var ref = new LinkedHashMap<String, Object>();
            ref.put("@id", id);
            ref.put("@type", "dataset");
            ref.putAll(entityAttributes(d, false));
            if (versions) {
                Object version = datasetVersion(d);
                if (version != null) ref.put("version", version);
            }
            String role = name;
            if (out.containsKey(role) && !id.equals(refId(out.get(role)))) role = id;
            out.put(role, ref);
            Map<String, Object> extra = obj(d.get(extraFacets));
            if (!extra.isEmpty()) meta.put(metaPrefix + id, extra);
        }
    }

    // --- DatasetEvent and JobEvent ---

    private Mapped datasetEvent(Map<String, Object> ev) {
        Map<String, Object> d = obj(ev.get("dataset"));
        String id = entityId(d);
        return new Mapped(
                OpenLineageSchema.Kind.DATASET, List.of(), List.of(new EntityUpsert(id, props(d))), null, null);
    }

    private Mapped jobEvent(Map<String, Object> ev) {
        Map<String, Object> job = obj(ev.get("job"));
        Map<String, Object> jobFacets = obj(job.get("facets"));
        String name = jobName(job);
        String workflowId = JOB_WORKFLOW_PREFIX + name;
        String producer = (String) ev.get("producer");
        var meta = new LinkedHashMap<String, Object>();
        meta.put("openlineage.job_namespace", job.get("namespace"));
        meta.put("openlineage.job_name", job.get("name"));
        meta.put("openlineage.schemaURL", ev.get("schemaURL"));
        meta.put("openlineage.event", "JobEvent");
        for (var f : jobFacets.entrySet()) meta.put("openlineage.job." + f.getKey(), f.getValue());
        var wfMeta = new LinkedHashMap<>(meta);
        var used = new LinkedHashMap<String, Object>();
        var generated = new LinkedHashMap<String, Object>();
        datasetRefs(ev.get("inputs"), "inputFacets", "openlineage.input:", used, meta, false);
        datasetRefs(ev.get("outputs"), "outputFacets", "openlineage.output:", generated, meta, false);
        var entities = new ArrayList<EntityUpsert>();
        for (String field : List.of("inputs", "outputs"))
            if (ev.get(field) instanceof List<?> list)
                for (Object o : list) {
                    Map<String, Object> d = obj(o);
                    entities.add(new EntityUpsert(entityId(d), props(d)));
                }
        String campaign = campaign(Map.of(), null, jobFacets);
        String subtype = obj(jobFacets.get("jobType")).get("jobType") instanceof String jt ? jt : null;
        // the definition is the task that carries the job's static lineage (a workflow draws none)
        TaskEvent definition = TaskEvent.builder(workflowId)
                .workflowId(workflowId)
                .campaignId(campaign)
                .activityId(name)
                .subtype(subtype)
                .adapterId(producer)
                .used(used)
                .generated(generated)
                .customMetadata(meta)
                .tags(List.of("openlineage", "job_definition"))
                .build();
        var wf = new WorkflowEvent(
                workflowId,
                campaign,
                name,
                null,
                producer,
                null,
                null,
                null,
                null,
                null,
                null,
                wfMeta,
                null,
                null,
                null,
                null);
        return new Mapped(OpenLineageSchema.Kind.JOB, List.of(wf, definition), entities, workflowId, workflowId);
    }

    /**
     * The campaign a run or job names: {@code campaign_id} of the {@code mida} run facet, else of the
     * {@code mida} job facet, else the server's default (null when none).
     *
     * @param runPointer the JSON pointer of the run facet, for the error (null: there are no run facets)
     */
    private String campaign(Map<String, Object> runFacets, String runPointer, Map<String, Object> jobFacets) {
        String c = campaignOf(runFacets, runPointer);
        if (c == null) c = campaignOf(jobFacets, "/job/facets/" + MIDA_FACET);
        return c != null ? c : defaultCampaign;
    }

    private static String campaignOf(Map<String, Object> facets, String pointer) {
        if (!facets.containsKey(MIDA_FACET)) return null;
        Map<String, Object> facet = obj(facets.get(MIDA_FACET));
        if (!facet.containsKey("campaign_id")) return null;
        Object v = facet.get("campaign_id");
        String at = pointer + "/campaign_id";
        if (!(v instanceof String s))
            throw new InvalidValue(
                    at, "the mida facet's campaign_id must be a string (the campaign's id), got " + kind(v));
        if (s.isBlank()) throw new InvalidValue(at, "the mida facet's campaign_id must not be blank");
        if (s.length() > TaskEvent.MAX_ID_LENGTH)
            throw new InvalidValue(
                    at, "the mida facet's campaign_id is longer than " + TaskEvent.MAX_ID_LENGTH + " characters");
        return s;
    }

    /** The {@code datasetVersion} of a dataset's {@code version} facet (a string or a number), or null. */
    private static Object datasetVersion(Map<String, Object> dataset) {
        Map<String, Object> facet = obj(obj(dataset.get("facets")).get("version"));
        if (Boolean.TRUE.equals(facet.get("_deleted"))) return null;
        Object v = facet.get("datasetVersion");
        if (v instanceof String s) return s.isBlank() ? null : s;
        return v instanceof Number ? v : null;
    }

    /** The node properties of a directly written dataset entity, as the ingest would store them. */
    private Map<String, Object> props(Map<String, Object> dataset) {
        var p = new LinkedHashMap<String, Object>();
        p.put("type", "dataset");
        for (var a : entityAttributes(dataset, true).entrySet()) p.put(a.getKey(), a.getValue());
        return p;
    }

    /**
     * The attributes an OpenLineage dataset gives its entity: {@code namespace}, {@code name}, each
     * dataset facet whole under {@code facets.<name>} (facets marked {@code _deleted} are skipped), and
     * for queries without JSON parsing {@code schema_fields} (the field names of the {@code schema}
     * facet) and {@code data_source} (the {@code dataSource} facet's uri, else its name). With
     * {@code asProperties} the facets are JSON text (as the ingest stores nested values), else objects.
     */
    Map<String, Object> entityAttributes(Map<String, Object> dataset, boolean asProperties) {
        var a = new LinkedHashMap<String, Object>();
        a.put("namespace", dataset.get("namespace"));
        a.put("name", dataset.get("name"));
        Map<String, Object> facets = obj(dataset.get("facets"));
        for (var f : facets.entrySet()) {
            Map<String, Object> facet = obj(f.getValue());
            if (Boolean.TRUE.equals(facet.get("_deleted"))) continue;
            a.put("facets." + f.getKey(), asProperties ? json.apply(facet) : facet);
        }
        if (obj(facets.get("schema")).get("fields") instanceof List<?> fields) {
            var names = new ArrayList<String>();
            for (Object field : fields) if (obj(field).get("name") instanceof String n) names.add(n);
            if (!names.isEmpty()) a.put("schema_fields", names);
        }
        Map<String, Object> source = obj(facets.get("dataSource"));
        Object src = source.get("uri") instanceof String u ? u : source.get("name");
        if (src instanceof String s) a.put("data_source", s);
        return a;
    }

    // --- helpers ---

    /** The dataset's entity id, checked like an {@code @id} sent in an event (length). */
    private static String entityId(Map<String, Object> dataset) {
        String id = DatasetIds.of((String) dataset.get("namespace"), (String) dataset.get("name"));
        new EntityRef(id, "dataset", "dataset", Map.of());
        return id;
    }

    private static String jobName(Map<String, Object> job) {
        Object ns = job.get("namespace");
        Object name = job.get("name");
        if (!(ns instanceof String) || !(name instanceof String)) return null;
        return ns + "/" + name;
    }

    /** runIds are UUIDs; the lower-case form makes {@code ABC…} and {@code abc…} one run. */
    private static String uuid(String id) {
        return id.trim().toLowerCase(Locale.ROOT);
    }

    private static Object errorText(Map<String, Object> facet) {
        if (!(facet.get("message") instanceof String message)) return null;
        if (facet.get("stackTrace") instanceof String trace && !trace.isBlank()) return message + "\n" + trace;
        return message;
    }

    /** The {@code tags} job/run facet ({@code {"tags":[{"key","value"}]}}) as {@code key:value} strings. */
    private static List<String> facetTags(Map<String, Object> facets) {
        var out = new ArrayList<String>();
        if (obj(facets.get("tags")).get("tags") instanceof List<?> list)
            for (Object o : list) {
                Map<String, Object> t = obj(o);
                if (t.get("key") instanceof String k) out.add(t.get("value") instanceof String v ? k + ":" + v : k);
            }
        return out;
    }

    private static String refId(Object ref) {
        return obj(ref).get("@id") instanceof String s ? s : null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
