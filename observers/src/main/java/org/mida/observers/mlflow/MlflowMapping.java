package org.mida.observers.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import org.mida.event.EntityRef;
import org.mida.event.Status;

/** The value conversions of the MLflow observer (pure functions; see {@code docs/OBSERVERS.md}). */
public final class MlflowMapping {

    /** A JSON number with no leading zeros (so {@code "007"} and zip codes stay strings). */
    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    /** {@code scheme:} at the start of a URI (two characters at least, so {@code C:\\} is no scheme). */
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):");

    private static final ObjectMapper JSON = new ObjectMapper();

    private MlflowMapping() {}

    /**
     * The entity id of a local path or URI: an absolute POSIX path becomes {@code file://<path>} (not
     * percent-encoded: the same id MIDA's Python SDK gives {@code file_entity(path)}), a URI with a
     * scheme stays as it is; anything else (a relative path, a bare word) is null.
     */
    public static String dataUri(String value) {
        if (value == null || value.isEmpty() || value.length() > EntityRef.MAX_ID_LENGTH - 7) return null;
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) return null;
        if (value.startsWith("/") && !value.startsWith("//") && value.length() > 1) return "file://" + value;
        var m = SCHEME.matcher(value);
        if (m.find() && value.length() > m.end()) return value;
        return null;
    }

    /** The lower-case scheme of a URI, or null. */
    static String scheme(String value) {
        if (value == null) return null;
        var m = SCHEME.matcher(value);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /**
     * The entity id when a param names data, else null: a param listed in {@link
     * MlflowSettings#dataParams()} always (its {@link #dataUri} or, for a relative path or a bare name,
     * the value as it is); otherwise a value whose URI scheme is one of {@link
     * MlflowSettings#dataSchemes()} and that has a path ({@code s3://b/k}, {@code models:/m-1}), or an
     * absolute path when {@link MlflowSettings#pathParams()}.
     */
    public static String paramDataId(String key, String value, MlflowSettings settings) {
        if (value == null || value.isBlank() || value.length() > EntityRef.MAX_ID_LENGTH) return null;
        String uri = dataUri(value);
        if (settings.dataParams().contains(key)) return uri != null ? uri : value;
        if (uri == null) return null;
        if (value.startsWith("/")) return settings.pathParams() ? uri : null;
        String scheme = scheme(value);
        if (scheme == null || !settings.dataSchemes().contains(scheme)) return null;
        return value.substring(scheme.length() + 1).startsWith("/") ? uri : null;
    }

    /** The {@code @type} of a data id: {@code file}, {@code model} ({@code models:/}), else {@code data}. */
    public static String dataType(String id) {
        String scheme = scheme(id);
        if ("file".equals(scheme)) return "file";
        if ("models".equals(scheme)) return "model";
        if ("runs".equals(scheme) || "mlflow-artifacts".equals(scheme)) return "artifact";
        return "data";
    }

    /**
     * The entity id of a dataset logged with {@code mlflow.log_input}: the data its source names (the
     * source's {@code uri}, {@code url} or {@code path} when it is an absolute path or a URI, see {@link
     * #dataUri}), else {@code mlflow-dataset://<experiment_id>/<name>/<digest>} (each part
     * percent-encoded): stable for the same dataset, and the same in every run that logs it.
     */
    public static String datasetId(String experimentId, String name, String digest, String sourceJson) {
        String named = datasetSourceUri(sourceJson);
        if (named != null) return named;
        return "mlflow-dataset://" + encode(experimentId) + "/" + encode(name) + "/" + encode(digest);
    }

    /** The absolute path or URI a dataset source's JSON names ({@code uri}, {@code url}, {@code path}), or null. */
    static String datasetSourceUri(String sourceJson) {
        if (sourceJson == null || sourceJson.isBlank()) return null;
        JsonNode source;
        try {
            source = JSON.readTree(sourceJson);
        } catch (Exception e) {
            return null; // not JSON: the source stays an attribute, the id falls back
        }
        if (source == null || !source.isObject()) return null;
        for (String field : new String[] {"uri", "url", "path"}) {
            JsonNode v = source.get(field);
            if (v != null && v.isTextual()) {
                String uri = dataUri(v.asText());
                if (uri != null) return uri;
            }
        }
        return null;
    }

    private static String encode(String part) {
        return URLEncoder.encode(String.valueOf(part), StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The entity id of an MLflow 3 logged model: {@code models:/<model_id>}, as MLflow's own loaders take it. */
    public static String modelId(String mlflowModelId) {
        return "models:/" + mlflowModelId;
    }

    /** {@code logged_models.status}: 0 UNSPECIFIED, 1 PENDING, 2 READY, 3 FAILED (MLflow's {@code LoggedModelStatus}). */
    public static String modelStatus(Integer status) {
        if (status == null) return null;
        return switch (status) {
            case 0 -> "UNSPECIFIED";
            case 1 -> "PENDING";
            case 2 -> "READY";
            case 3 -> "FAILED";
            default -> String.valueOf(status);
        };
    }

    /**
     * MLflow's run status to MIDA's: RUNNING→RUNNING, FINISHED→FINISHED, FAILED and KILLED→ERROR,
     * SCHEDULED→SUBMITTED, anything else→UNKNOWN. The raw status also goes to {@code
     * custom_metadata.mlflow_status}.
     */
    public static Status status(String mlflowStatus) {
        if (mlflowStatus == null) return Status.UNKNOWN;
        return switch (mlflowStatus.trim().toUpperCase(Locale.ROOT)) {
            case "RUNNING" -> Status.RUNNING;
            case "FINISHED" -> Status.FINISHED;
            case "FAILED", "KILLED" -> Status.ERROR;
            case "SCHEDULED" -> Status.SUBMITTED;
            default -> Status.UNKNOWN;
        };
    }

    /** True for MLflow's terminal states. */
    public static boolean terminal(String mlflowStatus) {
        return mlflowStatus != null && status(mlflowStatus).terminal();
    }

    /** MLflow's epoch milliseconds to MIDA's epoch seconds; null stays null. */
    public static Double seconds(Long millis) {
        return millis == null ? null : millis / 1000.0;
    }

    /**
     * A parameter value (MLflow stores every parameter as a string) as it goes into {@code used}: a
     * number when the text is unambiguously one (a JSON number without leading zeros that fits a long
     * or a finite double), otherwise the string unchanged. Booleans, {@code "None"}, lists and the like
     * stay strings.
     */
    public static Object param(String raw) {
        if (raw == null) return null;
        String s = raw.trim();
        if (!s.equals(raw)
                || s.isEmpty()
                || s.length() > 40
                || !NUMBER.matcher(s).matches()) return raw;
        boolean integral = s.indexOf('.') < 0 && s.indexOf('e') < 0 && s.indexOf('E') < 0;
        try {
            if (integral) return Long.parseLong(s);
            double d = Double.parseDouble(s);
            if (!Double.isFinite(d)) return raw;
            // the double must denote the same number as the text (no silent precision loss)
            if (new BigDecimal(s).compareTo(new BigDecimal(Double.toString(d))) != 0) return raw;
            return d;
        } catch (NumberFormatException e) {
            return raw; // e.g. an integer beyond a long
        }
    }

    /**
     * True when {@link #param} changed the text's form, so the original must be kept: {@code "1e-3"}
     * becomes 0.001, {@code "1.50"} becomes 1.5. Plain {@code "0.01"} or {@code "64"} read back the same.
     */
    public static boolean paramNeedsOriginal(String raw, Object converted) {
        if (converted instanceof String) return false;
        String canonical = converted instanceof Double d ? Double.toString(d) : String.valueOf(converted);
        return !canonical.equals(raw);
    }

    /** A metric value for JSON: NaN and infinities (which JSON cannot carry) become strings. */
    public static Object metric(double value, boolean isNan) {
        if (isNan || Double.isNaN(value)) return "NaN";
        if (value == Double.POSITIVE_INFINITY) return "Infinity";
        if (value == Double.NEGATIVE_INFINITY) return "-Infinity";
        return value;
    }
}
