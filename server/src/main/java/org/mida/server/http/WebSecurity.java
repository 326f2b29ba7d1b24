package org.mida.server.http;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What keeps the HTTP API safe for a browser-using, shared-machine user by default (issue 14):
 *
 * <ul>
 *   <li><b>Security headers</b> on every answer: a Content-Security-Policy that fits the web UI (its
 *       own scripts and styles only, no framing), {@code X-Content-Type-Options: nosniff}, {@code
 *       X-Frame-Options: DENY}, {@code Referrer-Policy: no-referrer}, {@code
 *       Cross-Origin-Resource-Policy: same-origin}.
 *   <li><b>Host check</b> (DNS rebinding): the Host header must name this server: {@code localhost},
 *       {@code 127.0.0.1}, {@code ::1}, the bind host, the configured extra names (and this machine's
 *       names and addresses when bound to every interface); else 421.
 *   <li><b>CSRF</b>: a write (any method but GET, HEAD, OPTIONS) from a page of another origin ({@code
 *       Origin} not the server's own nor configured, or {@code Sec-Fetch-Site: cross-site/same-site}) is
 *       refused (403), and a write's body must be JSON ({@code application/json} or {@code
 *       application/*+json}; else 415): the forms a page can send without a CORS preflight ({@code
 *       text/plain}, form encodings) never reach a handler.
 *   <li><b>Token</b>: with a token set, writes and {@code /api/cypher} need {@code Authorization: Bearer
 *       <token>} (the scheme in any case); with {@code readsToo}, every {@code /api} path and {@code
 *       /metrics} but {@code /api/health} too. A GET may carry it as {@code ?access_token=} (RFC 6750
 *       2.3) instead, for EventSource ({@code /api/stream}) and download links, which cannot set
 *       headers.
 * </ul>
 */
public final class WebSecurity {
    /** The UI loads its own scripts, styles, images and fonts, talks to its own origin, is never framed. */
    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /** POSTs that only read (their body is a query): no token needed unless reads need it. */
    private static final Set<String> READ_POSTS = Set.of("/api/query");

    private static final Pattern BEARER = Pattern.compile("(?i)^\\s*bearer\\s+(\\S+)\\s*$");
    private static final Pattern JSON_TYPE =
            Pattern.compile("(?i)^\\s*application/(?:json|[a-z0-9.+-]*\\+json)\\s*(?:;.*)?$");

    private final Set<String> hosts;
    private final boolean anyHost;
    private final Set<String> origins;
    private final byte[] token;
    private final boolean readsToo;

    /**
     * @param bindHost the address the server listens on (MIDA_HOST)
     * @param extraHosts more names the Host header may carry, comma-separated ({@code *}: any); null
     * @param extraOrigins more origins writes may come from, comma-separated; null
     * @param token the API token; null: none
     * @param readsToo whether reads need the token too
     */
    public WebSecurity(String bindHost, String extraHosts, String extraOrigins, String token, boolean readsToo) {
        var h = new HashSet<String>(Set.of("localhost", "127.0.0.1", "::1"));
        boolean any = false;
        String bind = bindHost == null ? "" : normalizeHost(bindHost);
        if (bind.equals("0.0.0.0") || bind.equals("::") || bind.isEmpty()) {
            h.addAll(machineNames());
        } else {
            h.add(bind);
        }
        if (extraHosts != null)
            for (String e : extraHosts.split(",")) {
                String n = e.strip();
                if (n.equals("*")) any = true;
                else if (!n.isEmpty()) h.add(normalizeHost(n));
            }
        this.hosts = Collections.unmodifiableSet(h);
        this.anyHost = any;
        var o = new HashSet<String>();
        if (extraOrigins != null)
            for (String e : extraOrigins.split(",")) {
                String origin = normalizeOrigin(e.strip());
                if (origin != null) o.add(origin);
            }
        this.origins = Collections.unmodifiableSet(o);
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.readsToo = readsToo && this.token != null;
    }

    /** The before-handler of every request: headers first (so refusals carry them too), then the checks. */
    public void check(Context ctx) {
        headers(ctx);
        checkHost(ctx);
        String method = ctx.method().name();
        if (!SAFE_METHODS.contains(method)) {
            checkOrigin(ctx);
            checkJsonBody(ctx);
        }
        checkToken(ctx);
    }

    static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cross-Origin-Resource-Policy", "same-origin");
    }

    void checkHost(Context ctx) {
        if (anyHost) return;
        String host = ctx.header("Host");
        if (host == null || host.isBlank()) return; // HTTP/1.0 without Host: not a browser
        String name = normalizeHost(stripPort(host.strip()));
        if (!hosts.contains(name))
            throw new ApiException(
                    ProblemType.HOST_NOT_ALLOWED,
                    "this server does not answer for host '" + clip(host) + "' (allowed: localhost, 127.0.0.1, ::1,"
                            + " the address it listens on and MIDA_ALLOWED_HOSTS)");
    }

    void checkOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        String site = ctx.header("Sec-Fetch-Site");
        if (origin != null) {
            String o = normalizeOrigin(origin.strip());
            if (o != null && (o.equals(ownOrigin(ctx)) || origins.contains(o))) return;
            throw new ApiException(
                    ProblemType.CROSS_ORIGIN,
                    "a " + ctx.method().name() + " from origin '" + clip(origin)
                            + "' is refused: writes come from this server's own pages or MIDA_ALLOWED_ORIGINS");
        }
        if (site != null) {
            String s = site.strip().toLowerCase(Locale.ROOT);
            if (s.equals("cross-site") || s.equals("same-site"))
                throw new ApiException(
                        ProblemType.CROSS_ORIGIN,
                        "a " + ctx.method().name() + " sent by a page of another site (Sec-Fetch-Site: " + s
                                + ") is refused");
        }
    }

    static void checkJsonBody(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type == null || !JSON_TYPE.matcher(type).matches())
            throw new ApiException(
                    ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "a " + ctx.method().name() + " body must be JSON, sent with 'Content-Type: application/json'; got "
                            + (type == null ? "no Content-Type" : "'" + clip(type) + "'"));
    }

    void checkToken(Context ctx) {
        if (token == null) return;
        String path = ctx.path();
        String method = ctx.method().name();
        boolean api = path.startsWith("/api/");
        boolean guarded;
        if (readsToo) {
            guarded = (api && !path.equals("/api/health")) || path.equals("/metrics");
        } else {
            guarded = api
                    && ((!SAFE_METHODS.contains(method) && !READ_POSTS.contains(path))
                            || path.startsWith("/api/cypher"));
        }
        if (!guarded || method.equals("OPTIONS")) return;
        String h = ctx.header("Authorization");
        byte[] given = new byte[0];
        if (h != null) {
            Matcher m = BEARER.matcher(h);
            if (m.matches()) given = m.group(1).getBytes(StandardCharsets.UTF_8);
        } else if (method.equals("GET") || method.equals("HEAD")) {
            String q = ctx.queryParam("access_token");
            if (q != null) given = q.strip().getBytes(StandardCharsets.UTF_8);
        }
        if (!MessageDigest.isEqual(given, token)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"mida\"");
            boolean none = h == null && ctx.queryParam("access_token") == null;
            throw new ApiException(
                    ProblemType.UNAUTHORIZED,
                    none
                            ? (readsToo ? "every /api endpoint but /api/health" : "this endpoint")
                                    + " needs 'Authorization: Bearer <token>' (MIDA_API_TOKEN is set"
                                    + (readsToo ? " and MIDA_API_TOKEN_READS is on" : "") + ")"
                            : "the bearer token is not valid");
        }
    }

    /** {@code scheme://host[:port]} of this request, as a browser writes it in {@code Origin}. */
    private static String ownOrigin(Context ctx) {
        String host = ctx.header("Host");
        if (host == null) return null;
        return normalizeOrigin(ctx.scheme() + "://" + host.strip());
    }

    /** Lower case, default ports dropped, IPv6 brackets kept; null when it is not an origin. */
    static String normalizeOrigin(String origin) {
        try {
            URI u = new URI(origin);
            String scheme = u.getScheme();
            String host = u.getHost();
            if (scheme == null || host == null) return null;
            scheme = scheme.toLowerCase(Locale.ROOT);
            int port = u.getPort();
            if ((scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443)) port = -1;
            return scheme + "://" + host.toLowerCase(Locale.ROOT) + (port < 0 ? "" : ":" + port);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static String stripPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end > 0 ? host.substring(0, end + 1) : host;
        }
        int colon = host.indexOf(':');
        return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.substring(0, colon) : host;
    }

    /** Lower case, without IPv6 brackets and a trailing dot. */
    static String normalizeHost(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return h;
    }

    /** This machine's host names and addresses: the hosts a server bound to every interface answers as. */
    private static Set<String> machineNames() {
        var names = new HashSet<String>();
        try {
            InetAddress local = InetAddress.getLocalHost();
            names.add(normalizeHost(local.getHostName()));
            names.add(normalizeHost(local.getCanonicalHostName()));
        } catch (java.io.IOException e) {
            // no resolvable host name: the addresses below still count
        }
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces()))
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    String addr = a.getHostAddress();
                    int zone = addr.indexOf('%');
                    names.add(normalizeHost(zone >= 0 ? addr.substring(0, zone) : addr));
                }
        } catch (SocketException | RuntimeException e) {
            // no interfaces listed: localhost only
        }
        return names;
    }

    private static String clip(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }
}
