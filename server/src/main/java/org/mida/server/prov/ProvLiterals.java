package org.mida.server.prov;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * PROV-JSON attribute values. Strings and booleans are written as JSON natives; numbers always as
 * typed literals ({@code xsd:long}, {@code xsd:double}, …) because a bare JSON number does not say
 * which; maps and lists as {@code rdf:JSON} literals (a PROV attribute with several values is a set,
 * which would lose order and duplicates). Times are {@code xsd:dateTime} in UTC, to the microsecond.
 */
final class ProvLiterals {
    private ProvLiterals() {}

    static void write(JsonGenerator g, Object v, Function<Object, String> json) throws IOException {
        if (v instanceof String s) g.writeString(s);
        else if (v instanceof Boolean b) g.writeBoolean(b);
        else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)
            typed(g, v.toString(), "xsd:long");
        else if (v instanceof Double || v instanceof Float)
            typed(g, xsdDouble(((Number) v).doubleValue()), "xsd:double");
        else if (v instanceof BigInteger b) typed(g, b.toString(), "xsd:integer");
        else if (v instanceof BigDecimal d) typed(g, d.toPlainString(), "xsd:decimal");
        else if (v instanceof Map<?, ?> || v instanceof List<?>) typed(g, json.apply(v), "rdf:JSON");
        else g.writeString(String.valueOf(v));
    }

    static void typed(JsonGenerator g, String lexical, String type) throws IOException {
        g.writeStartObject();
        g.writeStringField("$", lexical);
        g.writeStringField("type", type);
        g.writeEndObject();
    }

    static void qname(JsonGenerator g, String qname) throws IOException {
        typed(g, qname, "xsd:QName");
    }

    static String xsdDouble(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "INF" : "-INF";
        return Double.toString(d);
    }

    static Double parseXsdDouble(String s) {
        return switch (s.trim()) {
            case "NaN" -> Double.NaN;
            case "INF", "+INF" -> Double.POSITIVE_INFINITY;
            case "-INF" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s.trim());
        };
    }

    /** Epoch seconds as an xsd:dateTime in UTC, rounded to the microsecond. */
    static String dateTime(double epochSeconds) {
        long micros = Math.round(epochSeconds * 1_000_000d);
        Instant i = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
        return DateTimeFormatter.ISO_INSTANT.format(i);
    }

    /** An xsd:dateTime (with or without a zone; none means UTC) as epoch seconds. */
    static double epochSeconds(String text) {
        Instant i;
        try {
            i = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            i = LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        }
        return i.getEpochSecond() + i.getNano() / 1e9;
    }
}
