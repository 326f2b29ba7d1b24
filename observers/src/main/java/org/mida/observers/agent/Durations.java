package org.mida.observers.agent;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in settings: {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, {@code 1h}, {@code 10} (seconds), {@code PT5S}. */
public final class Durations {

    /** Said in error messages: the forms a duration may take. */
    public static final String FORMS =
            "a duration like 500ms, 5s, 1.5s, 2m, 1h, a number of seconds, or ISO-8601 (PT5S)";

    private static final Pattern UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private Durations() {}

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming {@link #FORMS}. */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = UNIT.matcher(t);
        if (m.matches()) {
            BigDecimal n = new BigDecimal(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            BigDecimal millis = switch (unit) {
                case "ms" -> n;
                case "s" -> n.movePointRight(3);
                case "m" -> n.multiply(BigDecimal.valueOf(60_000));
                case "h" -> n.multiply(BigDecimal.valueOf(3_600_000));
                default -> n.multiply(BigDecimal.valueOf(86_400_000));
            };
            return Duration.ofNanos(millis.movePointRight(6).longValue());
        }
        if (t.startsWith("pt") || t.startsWith("p")) {
            try {
                Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) return d;
            } catch (DateTimeParseException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("expected " + FORMS + ", got '" + text + "'");
    }

    /** {@code 1.5s}, {@code 250ms}, {@code 2m}: the short form, for messages and help. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1_000 == 0) return ms / 1_000 + "s";
        return ms + "ms";
    }
}
