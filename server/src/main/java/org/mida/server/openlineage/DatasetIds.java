package org.mida.server.openlineage;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The MIDA entity id of an OpenLineage dataset, from its {@code namespace} and {@code name} (the
 * OpenLineage dataset naming spec). The id is the dataset's natural URI, so the same data seen by a MIDA
 * observer (which names files with {@code Path.toUri()}) or by another tool is one entity:
 *
 * <ul>
 *   <li>namespace {@code file} (or {@code file://host}) and name {@code /data/my file.csv} →
 *       {@code file:///data/my%20file.csv} — percent-encoded exactly like {@code Path.toUri()};
 *   <li>namespace with a scheme ({@code s3://bucket}, {@code hdfs://nn:8020}, {@code postgres://h:5432})
 *       → namespace and name joined by one {@code /}: {@code s3://bucket/path/x},
 *       {@code postgres://h:5432/db.schema.table};
 *   <li>any other namespace ({@code bigquery}, {@code my-namespace}) → {@code namespace/name}.
 * </ul>
 */
final class DatasetIds {
    private DatasetIds() {}

    static String of(String namespace, String name) {
        String ns = namespace.trim();
        if (ns.equals("file") || ns.startsWith("file://")) {
            String host = ns.equals("file") ? "" : ns.substring("file://".length());
            String path = name.startsWith("/") ? name : "/" + name;
            if (host.endsWith("/")) host = host.substring(0, host.length() - 1);
            try {
                return new URI("file", host, path, null).toASCIIString();
            } catch (URISyntaxException e) {
                return "file://" + host + path;
            }
        }
        if (ns.endsWith("://")) return ns + name;
        boolean slashLeft = ns.endsWith("/");
        boolean slashRight = name.startsWith("/");
        if (slashLeft && slashRight) return ns + name.substring(1);
        if (slashLeft || slashRight) return ns + name;
        return ns + "/" + name;
    }
}
