package org.mida.server.prov;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How MIDA ids become PROV qualified names and back. Tasks, workflows, campaigns, agents and parameter
 * values live in fixed {@code urn:mida:…} namespaces with the id percent-encoded as the local part (so
 * any id, with {@code /}, {@code #}, spaces, quotes or non-ASCII, gives a QName that the PROV-JSON schema
 * accepts as a URI and that PROV-N can write). An artifact whose id is already a plain IRI
 * ({@code file:///data/scan_17.h5}) keeps that IRI as its PROV identity: a generated prefix
 * ({@code n1}) is declared for its namespace part; other artifact ids go to {@code urn:mida:entity:}.
 */
final class ProvNames {
    static final String MIDA_NS = "urn:mida:ns#";
    static final String TASK_NS = "urn:mida:task:";
    static final String WORKFLOW_NS = "urn:mida:workflow:";
    static final String CAMPAIGN_NS = "urn:mida:campaign:";
    static final String ENTITY_NS = "urn:mida:entity:";
    static final String VALUE_NS = "urn:mida:value:";
    static final String USER_NS = "urn:mida:user:";
    static final String HOST_NS = "urn:mida:host:";
    static final String ADAPTER_NS = "urn:mida:adapter:";
    static final String PROV_NS = "http://www.w3.org/ns/prov#";
    static final String XSD_NS = "http://www.w3.org/2001/XMLSchema#";
    static final String RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

    /** The fixed prefixes every export declares (prefix → namespace), in writing order. */
    static final Map<String, String> FIXED = fixed();

    /** At most this many generated prefixes per document; further artifact ids use {@code ent:}. */
    static final int MAX_GENERATED_PREFIXES = 1000;

    /** An IRI whose last segment is a plain PROV-N local name: namespace part and local part. */
    private static final Pattern PLAIN_IRI = Pattern.compile(
            "([A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\\-._~:/@!$&+,;=]*[/#])([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)");

    private final Map<String, String> generated = new LinkedHashMap<>();

    private static Map<String, String> fixed() {
        var m = new LinkedHashMap<String, String>();
        m.put("mida", MIDA_NS);
        m.put("task", TASK_NS);
        m.put("wf", WORKFLOW_NS);
        m.put("campaign", CAMPAIGN_NS);
        m.put("ent", ENTITY_NS);
        m.put("val", VALUE_NS);
        m.put("user", USER_NS);
        m.put("host", HOST_NS);
        m.put("adapter", ADAPTER_NS);
        m.put("xsd", XSD_NS);
        m.put("rdf", RDF_NS);
        return m;
    }

    /** Prefixes generated so far for artifact namespaces (prefix → namespace). */
    Map<String, String> generatedPrefixes() {
        return generated;
    }

    static String task(String id) {
        return "task:" + encode(id);
    }

    static String workflow(String id) {
        return "wf:" + encode(id);
    }

    static String campaign(String id) {
        return "campaign:" + encode(id);
    }

    static String user(String name) {
        return "user:" + encode(name);
    }

    static String host(String name) {
        return "host:" + encode(name);
    }

    static String adapter(String name) {
        return "adapter:" + encode(name);
    }

    static String mida(String name) {
        return "mida:" + encode(name);
    }

    /** The entity standing for one parameter ({@code used}) or result ({@code generated}) of a task. */
    static String value(String activityQName, String direction, String name) {
        return "val:" + activityQName.replace(':', '.') + "/" + direction + "/" + encode(name);
    }

    /** The QName of an artifact: its own IRI when it is a plain one, else {@code ent:<encoded id>}. */
    String entity(String id) {
        var m = PLAIN_IRI.matcher(id);
        if (m.matches()) {
            String ns = m.group(1);
            for (var e : generated.entrySet()) if (e.getValue().equals(ns)) return e.getKey() + ":" + m.group(2);
            if (generated.size() < MAX_GENERATED_PREFIXES) {
                String prefix = "n" + (generated.size() + 1);
                generated.put(prefix, ns);
                return prefix + ":" + m.group(2);
            }
        }
        return "ent:" + encode(id);
    }

    /**
     * Percent-encodes everything but ASCII letters, digits, {@code _}, {@code -} and inner dots, so the
     * result is a PROV-N local name and part of a valid URI.
     */
    static String encode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        var sb = new StringBuilder(bytes.length + 8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean plain = (b >= 'a' && b <= 'z')
                    || (b >= 'A' && b <= 'Z')
                    || (b >= '0' && b <= '9')
                    || b == '_'
                    || (b == '-' && i > 0)
                    || (b == '.' && i > 0 && i < bytes.length - 1);
            if (plain) sb.append((char) b);
            else sb.append('%').append(HEX[b >> 4]).append(HEX[b & 15]);
        }
        return sb.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Reverses {@link #encode}; any {@code %XX} is decoded (UTF-8), other characters are kept. */
    static String decode(String s) {
        if (s.indexOf('%') < 0) return s;
        var out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
            if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                i++;
            }
            out.writeBytes(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
