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

    /**
     * {@code base} (a pointer built by this class) followed by {@code tokens}. Only the new tokens are
     * escaped: the base is not parsed again, so building the pointers of a deep document stays linear.
     */
    public static String append(String base, Object... tokens) {
        JsonPointer p = JsonPointer.empty();
        for (Object t : tokens) {
            p = t instanceof Integer i ? p.appendIndex(i) : p.appendProperty(String.valueOf(t));
        }
        return (base == null ? "" : base) + p;
    }
}
