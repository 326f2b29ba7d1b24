package org.mida.observers.mlflow;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;
import org.mida.event.Status;

/** The value conversions of the MLflow observer (pure functions; see {@code docs/OBSERVERS.md}). */
public final class MlflowMapping {

    /** A JSON number with no leading zeros (so {@code "007"} and zip codes stay strings). */
    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private MlflowMapping() {}

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
