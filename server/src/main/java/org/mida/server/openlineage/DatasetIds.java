package org.mida.server.openlineage;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * The MIDA entity id of an OpenLineage dataset, from its {@code namespace} and {@code name} (the
 * OpenLineage dataset naming spec). Two rules:
 *
 * <ol>
 *   <li><b>Readable, natural URIs</b> for the namespaces the naming spec defines, so the same data seen
 *       by a MIDA observer (which names files with {@code Path.toUri()}) or by another tool is one entity:
 *       <ul>
 *         <li>{@code file} (or {@code file://host}) and {@code /data/my file.csv} →
 *             {@code file:///data/my%20file.csv}, the name percent-encoded exactly like {@code
 *             Path.toUri()};
 *         <li>a namespace {@code scheme://authority} ({@code s3://bucket}, {@code hdfs://nn:8020},
 *             {@code postgres://h:5432}) and a name → {@code s3://bucket/path/x},
 *             {@code postgres://h:5432/db.schema.table};
 *         <li>any other namespace ({@code bigquery}, {@code warehouse}) → {@code namespace/name}.
 *       </ul>
 *   <li><b>No two (namespace, name) pairs share an id.</b> The namespace ends at the first {@code /} of the
 *       id after {@code scheme://} (at the first {@code /} when the namespace is not a URI): inside the
 *       namespace {@code %} is written {@code %25} and, after {@code scheme://authority} (or anywhere in a
 *       namespace that is not a URI), {@code /} is written {@code %2F}. So {@code (warehouse, a/b)} →
 *       {@code warehouse/a/b} and {@code (warehouse/a, b)} → {@code warehouse%2Fa/b}; {@code (s3://b, x/y)}
 *       → {@code s3://b/x/y} and {@code (s3://b/x, y)} → {@code s3://b%2Fx/y}. Namespaces as the naming
 *       spec writes them hold no {@code /} there and no {@code %}, so their ids read as before.
 * </ol>
 *
 * <p>What counts as the same pair: the namespace is trimmed; a URI namespace's trailing {@code /} is
 * dropped ({@code s3://b/} is {@code s3://b}); after a URI namespace, one leading {@code /} of the name is
 * the path separator ({@code (hdfs://nn, /user/x)} and {@code (hdfs://nn, user/x)} are the same path
 * {@code hdfs://nn/user/x}, as {@code (file, /d/x)} and {@code (file, d/x)} are {@code file:///d/x});
 * {@code file} and {@code file://} are one namespace. Names are otherwise taken as they are. (A namespace
 * that is not a URI but looks like a scheme and its colon, {@code s3:}, ends in {@code %3A}, so that
 * {@code (s3:, //b/x)} does not read as {@code (s3://b, x)}.)
 */
final class DatasetIds {
    private DatasetIds() {}

    /** {@code scheme://authority} and the rest (a path, possibly empty). */
    private static final Pattern URI_NAMESPACE = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://([^/]*)(.*)");

    /** A namespace that would read as a URI scheme when a name starting with "/" follows it. */
    private static final Pattern SCHEME_COLON = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");

    static String of(String namespace, String name) {
        String ns = namespace.trim();
        if (ns.equals("file")) return "file://" + filePath(name);
        var m = URI_NAMESPACE.matcher(ns);
        if (!m.matches()) {
            String escaped = escape(ns, true);
            // "s3:" and "/bucket/x" must not read as the URI namespace s3://bucket
            if (SCHEME_COLON.matcher(escaped).matches()) escaped = escaped.substring(0, escaped.length() - 1) + "%3A";
            return escaped + "/" + name;
        }
        String scheme = m.group(1);
        String authority = escape(m.group(2), false);
        String path = m.group(3);
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String prefix = scheme + "://" + authority + escape(path, true);
        if (scheme.equalsIgnoreCase("file")) return prefix + filePath(name);
        return prefix + "/" + (name.startsWith("/") ? name.substring(1) : name);
    }

    /** {@code %} → {@code %25} and, with {@code slashes}, {@code /} → {@code %2F}. */
    private static String escape(String s, boolean slashes) {
        String out = s.replace("%", "%25");
        return slashes ? out.replace("/", "%2F") : out;
    }

    /** A file path as {@code Path.toUri()} writes it (percent-encoded, starting with {@code /}). */
    private static String filePath(String name) {
        String path = name.startsWith("/") ? name : "/" + name;
        try {
            // "file://" + the path, non-ASCII characters percent-encoded as UTF-8 (Path.toUri() does the same)
            return new URI("file", "", path, null).toASCIIString().substring("file://".length());
        } catch (URISyntaxException e) {
            return path;
        }
    }
}
