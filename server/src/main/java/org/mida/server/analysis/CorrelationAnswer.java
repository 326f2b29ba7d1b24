package org.mida.server.analysis;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * The answer of {@code GET /api/analysis/correlation} as {@link Correlation} computes it and Jackson
 * writes it (snake_case keys, in component order). Undefined statistics are null.
 *
 * @param workflowId the workflow analysed; left out when a campaign was
 * @param campaignId the campaign analysed; left out when a workflow was
 * @param status the task status analysed, or {@code any}
 * @param method {@code pearson}, {@code spearman} or {@code both}
 * @param tasks how many tasks were read
 * @param truncated whether the task limit was reached
 * @param variables the variables that entered the matrices, in matrix order
 * @param pearson the Pearson matrix; left out when not asked for
 * @param spearman the Spearman matrix; left out when not asked for
 * @param nPairs per pair of variables, the number of tasks where both are present
 * @param top the strongest pairs across groups
 * @param dropped the variables left out, and why
 * @param note why there is nothing to correlate; left out when there is
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record CorrelationAnswer(
        @JsonInclude(JsonInclude.Include.NON_NULL) String workflowId,
        @JsonInclude(JsonInclude.Include.NON_NULL) String campaignId,
        String activityId,
        String status,
        Correlation.Method method,
        int tasks,
        boolean truncated,
        List<Variable> variables,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<List<Double>> pearson,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<List<Double>> spearman,
        List<List<Integer>> nPairs,
        List<Pair> top,
        List<Dropped> dropped,
        @JsonInclude(JsonInclude.Include.NON_NULL) String note,
        Timing timing) {

    CorrelationAnswer {
        if ((workflowId == null) == (campaignId == null))
            throw new IllegalArgumentException("a correlation covers a workflow or a campaign");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(method, "method");
        if (method.pearson() != (pearson != null) || method.spearman() != (spearman != null))
            throw new IllegalArgumentException("the matrices are those of the method");
        variables = List.copyOf(variables);
        nPairs = List.copyOf(nPairs);
        top = List.copyOf(top);
        dropped = List.copyOf(dropped);
    }

    CorrelationAnswer withTiming(Timing t) {
        return new CorrelationAnswer(
                workflowId,
                campaignId,
                activityId,
                status,
                method,
                tasks,
                truncated,
                variables,
                pearson,
                spearman,
                nPairs,
                top,
                dropped,
                note,
                t);
    }

    /**
     * A variable that entered the matrices.
     *
     * @param group {@code used}, {@code generated}, {@code duration} or {@code telemetry}
     * @param n in how many tasks it is present
     * @param std the sample standard deviation (n − 1)
     */
    record Variable(String name, String group, int n, Double mean, Double std, Double min, Double max) {}

    /**
     * One of the strongest pairs. A coefficient is null in Java when its method was not asked for (the
     * key is then left out) and NaN when it is undefined (written as null).
     *
     * @param n the number of tasks where both are present
     */
    record Pair(
            String a,
            String b,

            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = UndefinedAsNull.class)
            Double pearson,

            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = UndefinedAsNull.class)
            Double spearman,

            int n) {}

    /**
     * A variable left out of the matrices.
     *
     * @param n in how many tasks it is present (numeric), or not numeric
     */
    record Dropped(String name, int n, String reason) {}

    /** Milliseconds spent reading the tasks and computing the statistics. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Timing(long readMs, long computeMs) {}

    /** Writes NaN (an undefined coefficient) as JSON null. */
    static final class UndefinedAsNull extends StdSerializer<Double> {
        UndefinedAsNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (value.isNaN() || value.isInfinite()) gen.writeNull();
            else gen.writeNumber(value);
        }
    }
}
