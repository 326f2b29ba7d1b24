package org.mida.server.badinput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection: what {@code java.net.http} will not send
 * (any Host, a path with {@code ..} or {@code %00}, duplicate or oversized headers, bytes that are not
 * UTF-8) goes on the wire exactly as written.
 */
final class RawHttp {
    private RawHttp() {}

    /** What came back: status, headers (lower-case names, first value), body, and how long it took. */
    record Answer(int status, Map<String, String> headers, byte[] body, long millis) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String contentType() {
            return headers.getOrDefault("content-type", "");
        }
    }

    /**
     * A request: {@code headers} are name/value pairs in order (a {@code Host} among them replaces the
     * default one; {@code null} as the Host value sends none).
     */
    static byte[] request(String method, String target, List<String[]> headers, byte[] body) {
        var sb = new StringBuilder();
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        boolean host = false;
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase("host")) {
                host = true;
                if (h[1] == null) continue;
            }
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        if (!host) sb.append("Host: 127.0.0.1\r\n");
        if (body != null) sb.append("Content-Length: ").append(body.length).append("\r\n");
        sb.append("Connection: close\r\n\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (body == null) return head;
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    static Answer send(int port, byte[] request, int timeoutMs) throws IOException {
        long t0 = System.nanoTime();
        try (var s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
            s.setSoTimeout(timeoutMs);
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the server may answer (431, 413) and close before it has read everything: read its answer
            }
            byte[] all = readAll(s.getInputStream());
            return parse(all, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(buf)) > 0) out.write(buf, 0, n);
        } catch (java.net.SocketException e) {
            if (out.size() == 0) throw e; // a reset after the answer was sent is fine
        }
        return out.toByteArray();
    }

    static Answer parse(byte[] all, long millis) throws IOException {
        int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) throw new IOException("no complete answer (" + all.length + " bytes)");
        String head = new String(all, 0, end, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        var headers = new LinkedHashMap<String, String>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0)
                headers.putIfAbsent(
                        lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(c + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) body = unchunk(body);
        return new Answer(Integer.parseInt(status[1]), headers, body, millis);
    }

    private static byte[] unchunk(byte[] b) {
        var out = new ByteArrayOutputStream();
        int i = 0;
        while (i < b.length) {
            int eol = indexOf(b, i, "\r\n".getBytes(StandardCharsets.ISO_8859_1));
            if (eol < 0) break;
            String sizeText = new String(b, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size = sizeText.isEmpty() ? 0 : Integer.parseInt(sizeText, 16);
            if (size == 0) break;
            out.write(b, eol + 2, Math.min(size, b.length - eol - 2));
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, byte[] what) {
        return indexOf(b, 0, what);
    }

    private static int indexOf(byte[] b, int from, byte[] what) {
        outer:
        for (int i = from; i <= b.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) if (b[i + j] != what[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** Headers as pairs: {@code headers("Content-Type", "application/json", "Origin", "x")}. */
    static List<String[]> headers(String... namesAndValues) {
        var out = new ArrayList<String[]>();
        for (int i = 0; i < namesAndValues.length; i += 2)
            out.add(new String[] {namesAndValues[i], namesAndValues[i + 1]});
        return out;
    }
}
