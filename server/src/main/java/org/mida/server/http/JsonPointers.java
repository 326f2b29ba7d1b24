package org.mida.server.http;

import com.fasterxml.jackson.core.JsonPointer;

/**
 * RFC 6901 JSON pointers into request bodies ({@code /filter/a~1b/0}), built with Jackson's
 * {@link JsonPointer} so escaping ({@code ~0}, {@code ~1}) exists once. {@code ""} is the whole body.
 */
public final class JsonPointers {
    private JsonPointers() {}

    /** The pointer to {@code tokens} in order: strings are member names, integers array indexes. */
    public static String of(Object... tokens) {
        return append("", tokens);
    }

    /** {@code base} (a pointer) followed by {@code tokens}. */
    public static String append(String base, Object... tokens) {
        JsonPointer p = base == null || base.isEmpty() ? JsonPointer.empty() : JsonPointer.compile(base);
        for (Object t : tokens) {
            p = t instanceof Integer i ? p.appendIndex(i) : p.appendProperty(String.valueOf(t));
        }
        return p.toString();
    }
}
