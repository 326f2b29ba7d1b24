package org.mida.observers.mlflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.EntityRef;
import org.mida.event.TaskEvent;
import org.mida.observers.mlflow.MlflowRows.ArtifactFile;
import org.mida.observers.mlflow.MlflowRows.DatasetInput;
import org.mida.observers.mlflow.MlflowRows.LatestMetric;
import org.mida.observers.mlflow.MlflowRows.LoggedModel;
import org.mida.observers.mlflow.MlflowRows.Run;
import org.mida.observers.mlflow.MlflowRows.RunFacts;

/**
 * Turns what was read for one run into its task event (pure: no I/O). The mapping is the table in
 * {@code docs/OBSERVERS.md}; {@link #toEvent} throws {@link org.mida.event.InvalidEventException} (or
 * {@link IllegalArgumentException}) for a run that cannot be an event, which the observer dead-letters.
 */
final class RunMapper {

    /** The tag (experiment or run) that names the run's campaign. */
    static final String CAMPAIGN_TAG = "mida.campaign_id";

    static final String PARENT_TAG = "mlflow.parentRunId";
    static final String RUN_NAME_TAG = "mlflow.runName";

    private final MlflowSettings settings;

    RunMapper(MlflowSettings settings) {
        this.settings = settings;
    }

    /** {@code mlflow-experiment:<experiment_id>@<storeId>}. */
    String workflowId(String experimentId) {
        return "mlflow-experiment:" + experimentId + "@" + settings.storeId();
    }

    /** The run's campaign: its {@code mida.campaign_id} tag, else its experiment's, else the setting. */
    String campaign(Map<String, String> runTags, String experimentCampaign) {
        String tag = runTags.get(CAMPAIGN_TAG);
        if (tag != null && !tag.isBlank()) return tag;
        if (experimentCampaign != null && !experimentCampaign.isBlank()) return experimentCampaign;
        return settings.campaignId();
    }

    /** The task's label (its {@code activity_id}): the run name, else the source file's name, else {@code mlflow_run}. */
    static String label(Run row, Map<String, String> tags) {
        String name = tags.get(RUN_NAME_TAG);
        if (name == null || name.isBlank()) name = row.name();
        if (name != null && !name.isBlank()) return name;
        String source = tags.getOrDefault("mlflow.source.name", row.sourceName());
        return source == null || source.isBlank() ? "mlflow_run" : baseName(source);
    }

    TaskEvent toEvent(RunFacts f) {
        Run row = f.run();
        Map<String, String> tags = f.tags();
        var used = new LinkedHashMap<String, Object>();
        var originals = new LinkedHashMap<String, Object>();
        for (var e : f.params().entrySet()) {
            String raw = e.getValue();
            String dataId = MlflowMapping.paramDataId(e.getKey(), raw, settings);
            if (dataId != null) {
                var ref = new LinkedHashMap<String, Object>();
                ref.put("@id", dataId);
                ref.put("@type", MlflowMapping.dataType(dataId));
                used.put(e.getKey(), ref);
                if (!dataId.equals(raw)) originals.put(e.getKey(), raw);
                continue;
            }
            Object v = MlflowMapping.param(raw);
            used.put(e.getKey(), v);
            if (MlflowMapping.paramNeedsOriginal(raw, v)) originals.put(e.getKey(), raw);
        }
        for (DatasetInput d : f.datasets()) {
            String role = d.context() != null ? d.context() : "dataset";
            putRef(used, role, "dataset:", datasetRef(d));
        }
        for (LoggedModel m : f.usedModels()) putRef(used, m.name(), "model:", modelRef(m));

        var generated = new LinkedHashMap<String, Object>();
        for (var e : f.latest().entrySet())
            generated.put(
                    e.getKey(),
                    MlflowMapping.metric(e.getValue().value(), e.getValue().isNan()));
        if (row.artifactUri() != null && !row.artifactUri().isBlank()) {
            var ref = new LinkedHashMap<String, Object>();
            String id = MlflowMapping.dataUri(row.artifactUri());
            ref.put("@id", id != null ? id : row.artifactUri());
            ref.put("@type", "artifacts");
            ref.put("mlflow_artifact_uri", row.artifactUri());
            putRef(generated, "artifacts", "mlflow:", ref);
        }
        for (ArtifactFile a : f.artifacts()) {
            var ref = new LinkedHashMap<String, Object>();
            ref.put("@id", a.uri());
            ref.put("@type", "artifact");
            ref.put("path", a.path());
            ref.put("size", a.size());
            ref.put("mlflow_uri", "runs:/" + row.uuid() + "/" + a.path());
            putRef(generated, "artifact_files", "mlflow:", ref);
        }
        for (LoggedModel m : f.generatedModels()) putRef(generated, m.name(), "model:", modelRef(m));

        var meta = new LinkedHashMap<String, Object>();
        meta.putAll(tags);
        meta.put("mlflow_run_id", row.uuid());
        meta.put("mlflow_status", row.status());
        if (row.name() != null) meta.put("mlflow_run_name", row.name());
        if (row.lifecycle() != null) meta.put("mlflow_lifecycle_stage", row.lifecycle());
        if (row.experimentId() != null) meta.put("mlflow_experiment_id", row.experimentId());
        if (row.sourceType() != null) meta.put("mlflow_source_type", row.sourceType());
        if (row.sourceName() != null && !row.sourceName().isEmpty()) meta.put("mlflow_source_name", row.sourceName());
        if (row.sourceVersion() != null && !row.sourceVersion().isEmpty())
            meta.put("mlflow_source_version", row.sourceVersion());
        if (row.entryPoint() != null && !row.entryPoint().isEmpty()) meta.put("mlflow_entry_point", row.entryPoint());
        if (!originals.isEmpty()) meta.put("mlflow_params_raw", originals);
        for (String key : f.changedMetrics()) {
            LatestMetric lm = f.latest().get(key);
            if (lm == null) continue;
            var info = new LinkedHashMap<String, Object>();
            info.put("step", lm.step());
            info.put("timestamp", MlflowMapping.seconds(lm.timestamp()));
            Object h = f.histories().get(key);
            if (h != null) info.put("history", h);
            meta.put("mlflow_metric:" + key, info);
        }
        String user = tags.get("mlflow.user");
        if (user == null || user.isBlank()) user = row.userId();
        String parent = tags.get(PARENT_TAG);
        return TaskEvent.builder(MlflowObserver.taskId(row.uuid()))
                .workflowId(row.experimentId() == null ? null : workflowId(row.experimentId()))
                .campaignId(campaign(tags, f.experimentCampaign()))
                .activityId(label(row, tags))
                .status(MlflowMapping.status(row.status()))
                .startedAt(MlflowMapping.seconds(row.startTime()))
                .endedAt(MlflowMapping.seconds(row.endTime()))
                .used(used)
                .generated(generated)
                .parentTaskId(parent == null || parent.isBlank() ? null : MlflowObserver.taskId(parent))
                .adapterId(MlflowObserver.ADAPTER_ID)
                .user(user)
                .loginName(row.userId())
                .subtype("mlflow_run")
                .customMetadata(meta)
                .build();
    }

    /**
     * A dataset's entity reference: digest, source (type and JSON), schema, profile, context. The digest
     * (MLflow's hash of the data) is also the reference's {@code version}: the version of the data the run
     * used, named explicitly.
     */
    static Map<String, Object> datasetRef(DatasetInput d) {
        var ref = new LinkedHashMap<String, Object>();
        ref.put("@id", MlflowMapping.datasetId(d.experimentId(), d.name(), d.digest(), d.source()));
        ref.put("@type", "dataset");
        ref.put("name", d.name());
        ref.put("digest", d.digest());
        if (d.digest() != null && !d.digest().isBlank()) ref.put("version", d.digest());
        ref.put("source_type", d.sourceType());
        ref.put("source", d.source());
        String uri = MlflowMapping.datasetSourceUri(d.source());
        if (uri != null) ref.put("source_uri", uri);
        if (d.schema() != null) ref.put("schema", d.schema());
        if (d.profile() != null) ref.put("profile", d.profile());
        if (d.context() != null) ref.put("context", d.context());
        ref.put("mlflow_dataset_uuid", d.datasetUuid());
        return ref;
    }

    /** A logged model's entity reference ({@code models:/<model_id>}). */
    static Map<String, Object> modelRef(LoggedModel m) {
        var ref = new LinkedHashMap<String, Object>();
        ref.put("@id", MlflowMapping.modelId(m.modelId()));
        ref.put("@type", "model");
        ref.put("name", m.name());
        ref.put("mlflow_model_id", m.modelId());
        if (m.modelType() != null) ref.put("model_type", m.modelType());
        if (m.status() != null) ref.put("status", MlflowMapping.modelStatus(m.status()));
        if (m.statusMessage() != null) ref.put("status_message", m.statusMessage());
        if (m.artifactLocation() != null) {
            String loc = MlflowMapping.dataUri(m.artifactLocation());
            ref.put("artifact_location", loc != null ? loc : m.artifactLocation());
        }
        if (m.sourceRunId() != null) ref.put("source_run_id", m.sourceRunId());
        if (m.created() != null) ref.put("created_at", MlflowMapping.seconds(m.created()));
        if (m.updated() != null) ref.put("updated_at", MlflowMapping.seconds(m.updated()));
        if (m.lifecycle() != null) ref.put("lifecycle_stage", m.lifecycle());
        if (!m.params().isEmpty()) ref.put("params", m.params());
        if (!m.tags().isEmpty()) ref.put("tags", m.tags());
        if (!m.metrics().isEmpty()) ref.put("metrics", m.metrics());
        return ref;
    }

    /**
     * Puts an entity reference under {@code key}: a second reference under the same key makes a list
     * (one role, several entities); a key a plain value (a param, a metric) already holds moves the
     * reference to {@code prefix + key}.
     */
    static void putRef(Map<String, Object> map, String key, String prefix, Map<String, Object> ref) {
        if (key == null || key.isBlank()) key = prefix.substring(0, prefix.length() - 1);
        Object current = map.get(key);
        if (current == null) {
            map.put(key, ref);
        } else if (EntityRef.isReference(current)) {
            var list = new ArrayList<Object>();
            list.add(current);
            list.add(ref);
            map.put(key, list);
        } else if (current instanceof List<?> list
                && !list.isEmpty()
                && list.stream().allMatch(EntityRef::isReference)) {
            @SuppressWarnings("unchecked")
            List<Object> refs = (List<Object>) list;
            refs.add(ref);
        } else {
            putRef(map, prefix + key, prefix, ref);
        }
    }

    static String baseName(String source) {
        String s = source;
        while (s.endsWith("/") && s.length() > 1) s = s.substring(0, s.length() - 1);
        int i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        return i >= 0 && i < s.length() - 1 ? s.substring(i + 1) : s;
    }
}
