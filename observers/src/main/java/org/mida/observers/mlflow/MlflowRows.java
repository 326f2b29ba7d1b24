package org.mida.observers.mlflow;

import java.util.List;
import java.util.Map;

/** What the observer reads from MLflow's tables for one run, as plain values (no JDBC). */
final class MlflowRows {

    private MlflowRows() {}

    /** A row of {@code runs}. */
    record Run(
            String uuid,
            String name,
            String sourceType,
            String sourceName,
            String entryPoint,
            String userId,
            String status,
            Long startTime,
            Long endTime,
            String sourceVersion,
            String lifecycle,
            String artifactUri,
            String experimentId) {

        /** The columns other than status and times, for change detection. */
        String core() {
            return String.join(
                    "\u0001",
                    String.valueOf(name),
                    String.valueOf(sourceType),
                    String.valueOf(sourceName),
                    String.valueOf(entryPoint),
                    String.valueOf(userId),
                    String.valueOf(sourceVersion),
                    String.valueOf(lifecycle),
                    String.valueOf(artifactUri),
                    String.valueOf(experimentId));
        }
    }

    /** A row of {@code latest_metrics}. */
    record LatestMetric(double value, long timestamp, long step, boolean isNan) {}

    /**
     * A dataset a run used: an {@code inputs} row ({@code DATASET → RUN}), its {@code datasets} row and
     * its {@code input_tags} ({@code mlflow.data.context} = training, eval, …).
     */
    record DatasetInput(
            String inputUuid,
            String datasetUuid,
            String experimentId,
            String name,
            String digest,
            String sourceType,
            String source,
            String schema,
            String profile,
            Map<String, String> tags) {

        /** {@code mlflow.data.context} (training, eval, …) or null. */
        String context() {
            String c = tags.get("mlflow.data.context");
            return c == null || c.isBlank() ? null : c;
        }
    }

    /** A row of {@code logged_models} with its params, tags and latest metrics ({@code logged_model_*}). */
    record LoggedModel(
            String modelId,
            String experimentId,
            String name,
            String artifactLocation,
            Long created,
            Long updated,
            Integer status,
            String lifecycle,
            String modelType,
            String sourceRunId,
            String statusMessage,
            Map<String, String> params,
            Map<String, String> tags,
            Map<String, Double> metrics) {}

    /** A file found under a run's local artifact directory. */
    record ArtifactFile(String path, String uri, long size) {}

    /**
     * Everything mapped into one run's task event.
     *
     * @param changedMetrics the metrics whose latest value changed since the previous event
     * @param histories metric → its history so far, for the changed metrics (empty when histories are off)
     * @param generatedModels models the run logged ({@code source_run_id}, or {@code RUN_OUTPUT} inputs)
     * @param usedModels models the run named as inputs ({@code RUN_INPUT}), less those it generated
     * @param experimentCampaign the experiment's {@code mida.campaign_id} tag, or null
     */
    record RunFacts(
            Run run,
            Map<String, String> params,
            Map<String, String> tags,
            Map<String, LatestMetric> latest,
            List<String> changedMetrics,
            Map<String, Object> histories,
            List<DatasetInput> datasets,
            List<LoggedModel> generatedModels,
            List<LoggedModel> usedModels,
            List<ArtifactFile> artifacts,
            String experimentCampaign) {}
}
