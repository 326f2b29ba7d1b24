package org.mida.server.badinput;

import static org.mida.server.badinput.RawHttp.headers;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

/**
 * A deterministic corpus of hostile HTTP requests across the API (issue 14, item 6): DSL bodies and
 * regexes, Cypher writes and plan forms, bad query parameters, PROV and OpenLineage documents, path
 * traversal, hostile headers. Each one must get an answer below 500, and an error must be {@code
 * application/problem+json} with a {@code detail}; some must also meet a {@link Req#check} (a 421 for a
 * foreign Host, no file content for a traversal, …).
 */
final class HostileRequests {

    /** One request, its class, and an optional extra check with what it means. */
    record Req(String cls, byte[] bytes, String summary, Predicate<RawHttp.Answer> check, String checkWhat) {}

    private final Random rnd;
    private final List<Req> out = new ArrayList<>();

    HostileRequests(long seed) {
        this.rnd = new Random(seed);
    }

    static final List<String> REGEXES = List.of(
            "(.*.){20}#",
            "(a+)+$",
            "(a|aa)+",
            "(a|ab)*c",
            "(.*){1,32000}",
            "((a*)*)*",
            "(?:a|a)*b",
            "(a)\\1",
            "(?=a)a",
            "(?<!a)b",
            "(?x) a",
            "a{1001}",
            "a{0,99999}",
            "x".repeat(1001),
            "[",
            "(",
            "*",
            "\\",
            "(?i",
            ".*a.*b.*c.*d",
            "(.*a){12}",
            "^(([a-z])+.)+[A-Z]([a-z])+$",
            "(\\w+\\s?)*$",
            "(x+x+)+y",
            "\\p{Foo}",
            "(?s).*a.*b",
            "\u0000",
            "[\\s\\S]*[\\s\\S]*x",
            ".*oom.*",
            "^train-.*");

    static final List<String> CYPHER = List.of(
            "CREATE (n:Pwned) RETURN n",
            "MERGE (n:Pwned {a:1}) RETURN n",
            "MATCH (t:Task) SET t.pwned = true RETURN count(t)",
            "MATCH (n) DETACH DELETE n",
            "MATCH (t:Task) REMOVE t.status RETURN 1",
            "MATCH (t:Task) WITH t LIMIT 1 CREATE (t)-[:PWNED]->(t) RETURN 1",
            "FOREACH (i IN [1] | CREATE (:Pwned))",
            "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
            "LOAD CSV FROM 'http://127.0.0.1:1/' AS l RETURN l",
            "CALL db.createLabel('Pwned')",
            "CALL dbms.setConfigValue('db.logs.query.enabled','OFF')",
            "CALL dbms.killQueries(['query-1'])",
            "CALL apoc.cypher.runWrite('CREATE (:Pwned)', {})",
            "CALL { CREATE (:Pwned) } IN TRANSACTIONS RETURN 1",
            "UNWIND range(1,3) AS i CREATE (:Pwned {i:i})",
            "CREATE INDEX pwned FOR (n:Pwned) ON (n.x)",
            "DROP CONSTRAINT task_id_unique",
            "CREATE USER pwned SET PASSWORD 'pwnedpwned'",
            "ALTER USER neo4j SET PASSWORD 'pwnedpwned'",
            "SHOW USERS",
            "SHOW DATABASES",
            "USE system SHOW USERS",
            "CREATE DATABASE pwned",
            "STOP DATABASE neo4j",
            "GRANT ALL ON DATABASE * TO PUBLIC",
            "CALL db.clearQueryCaches()",
            "CALL dbms.security.createUser('p','pwnedpwned',false)",
            "MATCH (n) CALL { WITH n DELETE n } RETURN 1",
            "RETURN 1; CREATE (:Pwned)",
            "MATCH (n) RETURN n // \n CREATE (:Pwned)",
            "/* */ CREATE (:Pwned)",
            "CYPHER 5 CREATE (:Pwned)",
            "cReAtE (:Pwned)",
            "MATCH (n) WHERE n.x = 1 OR true CREATE (:Pwned)",
            "EXPLAIN CREATE (:Pwned)",
            "PROFILE MATCH (n) RETURN n",
            "CYPHER 5 EXPLAIN MATCH (n) RETURN n",
            "explain match (n) return n",
            "CYPHER runtime=parallel MATCH (n) RETURN count(n)",
            "CALL db.propertyKeys()",
            "CALL dbms.listConfig()",
            "SHOW PROCEDURES",
            "SHOW TRANSACTIONS",
            "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
            "SHOW SETTINGS",
            "CALL db.index.fulltext.queryNodes('search_tasks', '(((((') YIELD node RETURN node",
            "CALL db.index.fulltext.queryNodes('search_tasks', '*:*') YIELD node RETURN count(node) AS n",
            "MATCH (t:Task) WHERE t.activity_id =~ '(a+)+$' RETURN t.task_id",
            "MATCH (a:Task),(b:Task),(c:Task) RETURN count(*)",
            "UNWIND range(1, 100000000) AS i WITH i WHERE i < 0 RETURN count(i)",
            "MATCH p = (a)-[*]-(b) RETURN count(p)",
            "RETURN 1 AS `x` , 2 AS `x`",
            "RETURN $nope",
            "RETURN",
            "",
            "   ",
            "\u0000",
            "MATCH (n:`Task`) RETURN n.`_json` LIMIT 5",
            "MATCH (n) RETURN n SKIP -1",
            "MATCH (n) RETURN n LIMIT 99999999999999999999",
            "RETURN 1e400",
            "RETURN 9223372036854775807 + 1",
            "RETURN 1/0",
            "RETURN toInteger('x') + 1",
            "WITH [x IN range(1,1000000) | x] AS l RETURN size(l)");

    static final List<String> TRAVERSALS = List.of(
            "/../../../../etc/passwd",
            "/..%2f..%2f..%2f..%2fetc%2fpasswd",
            "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/web/../../etc/passwd",
            "/webjars/../../../etc/passwd",
            "/webjars/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/index.html%00.js",
            "/%00",
            "/.%00./etc/passwd",
            "/..\\..\\..\\etc\\passwd",
            "/....//....//....//etc/passwd",
            "/%252e%252e/%252e%252e/etc/passwd",
            "//etc/passwd",
            "/./././index.html",
            "/WEB-INF/web.xml",
            "/META-INF/MANIFEST.MF",
            "/..%2forg%2fmida%2fserver%2fapp%2fApp.class",
            "/../org/mida/server/app/App.class",
            "/org/mida/server/app/App.class",
            "/cypher/schema/01-task-id-unique.cypher",
            "/../cypher/schema/01-task-id-unique.cypher",
            "/api/../api/health",
            "/api/health/..;/metrics",
            "/;/etc/passwd",
            "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
            "/%ZZ",
            "/%",
            "/api/tasks/%",
            "/api/tasks/..%2f..%2fetc%2fpasswd",
            "/" + "a/".repeat(3000),
            "/api/health?" + "x=1&".repeat(3000),
            "/index.html?" + "%".repeat(100),
            "/app.js/..",
            "/../../../../proc/self/environ",
            "/..%5c..%5c..%5cetc%5cpasswd");

    private static final String JSON = "application/json";

    List<Req> all() {
        dsl();
        cypher();
        reads();
        prov();
        openLineage();
        events();
        deadLetters();
        statics();
        headerAttacks();
        return out;
    }

    // ---- helpers

    private void add(String cls, String method, String target, List<String[]> headers, byte[] body) {
        add(cls, method, target, headers, body, null, null);
    }

    private void add(
            String cls,
            String method,
            String target,
            List<String[]> headers,
            byte[] body,
            Predicate<RawHttp.Answer> check,
            String what) {
        String summary = method + " " + (target.length() > 120 ? target.substring(0, 117) + "..." : target);
        out.add(new Req(cls, RawHttp.request(method, target, headers, body), summary, check, what));
    }

    private void post(String cls, String path, String body) {
        add(cls, "POST", path, headers("Content-Type", JSON), utf8(body));
    }

    private void post(String cls, String path, String body, Predicate<RawHttp.Answer> check, String what) {
        add(cls, "POST", path, headers("Content-Type", JSON), utf8(body), check, what);
    }

    private void get(String cls, String target) {
        add(cls, "GET", target, headers(), null);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String q(String s) {
        return JsonText.write(s);
    }

    private static Predicate<RawHttp.Answer> status(int... codes) {
        return a -> {
            for (int c : codes) if (a.status() == c) return true;
            return false;
        };
    }

    private static String deep(String open, String close, int depth, String inner) {
        return open.repeat(depth) + inner + close.repeat(depth);
    }

    // ---- classes

    private void dsl() {
        String p = "/api/query";
        for (String body : List.of(
                "",
                "null",
                "[]",
                "42",
                "\"x\"",
                "{",
                "{\"filter\":[]}",
                "{\"filter\":\"status = 1\"}",
                "{\"filter\":{\"$where\":\"1\"}}",
                "{\"filter\":{\"status\":{\"$foo\":1}}}",
                "{\"filter\":{\"status\":{\"$gt\":{\"$gt\":1}}}}",
                "{\"from\":\"users\"}",
                "{\"from\":5}",
                "{\"limit\":-1}",
                "{\"limit\":1e12}",
                "{\"limit\":\"10\"}",
                "{\"limit\":1.5}",
                "{\"limit\":NaN}",
                "{\"offset\":-1}",
                "{\"offset\":1e18}",
                "{\"offset\":99999999999999999999999}",
                "{\"sort\":[[\"ended_at\",\"sideways\"]]}",
                "{\"sort\":\"x\"}",
                "{\"sort\":[[1,2]]}",
                "{\"projection\":\"x\"}",
                "{\"projection\":[1]}",
                "{\"projection\":[\"`) MATCH (n) DETACH DELETE n //\"]}",
                "{\"projection\":[\"" + "x".repeat(300) + "\"]}",
                "{\"projection\":[\"\"]}",
                "{\"filter\":{\"\":1}}",
                "{\"filter\":{\"used.`x`\":1}}",
                "{\"filter\":{\"$and\":[]}}",
                "{\"filter\":{\"$and\":{}}}",
                "{\"filter\":{\"$or\":[[]]}}",
                "{\"filter\":{\"$or\":[{\"status\":\"FINISHED\"},5]}}",
                "{\"filter\":{\"status\":{\"$in\":5}}}",
                "{\"filter\":{\"status\":{\"$regex\":5}}}",
                "{\"filter\":{\"status\":{\"$exists\":\"yes\"}}}",
                "{\"filter\":{\"status\":{\"$ne\":[1,{\"a\":1}]}}}",
                "{\"aggregation\":[[\"evil\",\"x\"]]}",
                "{\"aggregation\":[[\"max\",\"`) DELETE n //\"]]}",
                "{\"aggregation\":\"max\"}",
                "{\"group_by\":[\"`\"]}",
                "{\"group_by\":5}",
                "{\"explain\":\"yes\"}",
                "{\"unknown\":1}",
                "{\"filter\":{\"task_id\":\"\\u0000\"}}",
                "{\"filter\":{\"task_id\":" + q("' OR 1=1 //") + "}}",
                "{\"filter\":{\"custom_metadata.a\\\\.b\":1}}",
                "{\"filter\":{\"custom_metadata.a\\\\\":1}}",
                "{\"filter\":{\"generated.loss\":{\"$gt\":NaN}}}",
                "{\"filter\":{\"generated.loss\":{\"$gt\":1e400}}}",
                "{\"filter\":{\"generated.loss\":{\"$lt\":-Infinity}}}",
                "{\"filter\":{\"task_id\":{\"$in\":[" + "\"x\",".repeat(100_000) + "\"y\"]}}}",
                "{\"filter\":" + deep("{\"$and\":[", "]}", 300, "{\"status\":\"FINISHED\"}") + "}",
                "{\"filter\":" + deep("{\"$or\":[", "]}", 5_000, "{}") + "}",
                deep("[", "]", 100_000, ""))) post("dsl", p, body);
        for (String re : REGEXES) {
            String field = rnd.nextBoolean() ? "activity_id" : "stderr";
            post("dsl_regex", p, "{\"filter\":{\"" + field + "\":{\"$regex\":" + q(re) + "}}}");
        }
        for (String h : HostileEvents.HOSTILE) post("dsl", p, "{\"filter\":{" + q(h) + ":" + q(h) + "}}");
        for (String k : HostileEvents.HOSTILE_KEYS)
            post(
                    "dsl",
                    p,
                    "{\"projection\":[" + q("custom_metadata." + k) + "],\"filter\":{\"campaign_id\":\"corpus\"}}");
    }

    private void cypher() {
        String p = "/api/cypher";
        Predicate<RawHttp.Answer> refused = status(400, 403, 408, 422);
        for (String c : CYPHER) {
            boolean write = c.matches("(?is).*\\b(CREATE|MERGE|SET|DELETE|REMOVE|DROP|ALTER|GRANT|STOP|LOAD|"
                    + "createLabel|setConfigValue|killQueries|runWrite|createUser|clearQueryCaches|TERMINATE|"
                    + "EXPLAIN|PROFILE)\\b.*");
            String body = "{\"query\":" + q(c) + "}";
            if (write) post("cypher_write", p, body, refused, "a write, admin or plan form must be refused (4xx)");
            else post("cypher", p, body);
        }
        for (String body : List.of(
                "",
                "{}",
                "[]",
                "{\"query\":5}",
                "{\"query\":null}",
                "{\"query\":[\"MATCH (n) RETURN n\"]}",
                "{\"query\":\"RETURN $x AS x\",\"params\":[]}",
                "{\"query\":\"RETURN $x AS x\",\"params\":5}",
                "{\"query\":\"RETURN $x AS x\",\"params\":{\"x\":NaN}}",
                "{\"query\":\"RETURN $x AS x\",\"params\":{\"x\":1e400}}",
                "{\"query\":\"RETURN $x AS x\",\"params\":{\"x\":18446744073709551616}}",
                "{\"query\":\"RETURN $x AS x\",\"params\":{\"x\":" + deep("[", "]", 500, "1") + "}}",
                "{\"query\":\"RETURN $x AS x\",\"params\":{\"x\":" + deep("{\"a\":", "}", 500, "1") + "}}",
                "{\"query\":\"RETURN $x AS x\",\"params\":{\"x\":\"" + "p".repeat(1 << 20) + "\"}}",
                "{\"query\":\"RETURN 1\",\"params\":{\"\":1,\"`\":2,\"$\":3}}",
                "{\"query\":\"RETURN 1\",\"limit\":-5}",
                "{\"query\":\"" + "RETURN 1 ".repeat(20_000) + "\"}",
                "{\"query\":\"MATCH (n) WHERE n.x IN $l RETURN count(n)\",\"params\":{\"l\":[" + "1,".repeat(200_000)
                        + "1]}}")) {
            post("cypher", p, body);
        }
    }

    /** GET endpoints with hostile ids and bad parameters. */
    private void reads() {
        for (String h : HostileEvents.HOSTILE) {
            String e = enc(h);
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    get("lineage", "/api/lineage?id=" + e);
                    get("entities", "/api/entities?id=" + e);
                    get("search", "/api/search?q=" + e);
                    get("fields", "/api/fields?campaign_id=" + e);
                }
                case 1 -> {
                    get("browse", "/api/tasks/" + e);
                    get("browse", "/api/workflows/" + e);
                    get("browse", "/api/tasks?id=" + e);
                    get("browse", "/api/observers?id=" + e);
                }
                default -> {
                    get("browse", "/api/prov/workflows?id=" + e);
                    get("browse", "/api/analysis/report?id=" + e);
                    get("lineage", "/api/lineage?id=" + e + "&direction=both&depth=3");
                    get("search", "/api/search?q=" + e + "&limit=5");
                }
            }
        }
        String id = "cx-s-1";
        for (String q : List.of(
                "id=",
                "",
                "id=" + id + "&depth=-1",
                "id=" + id + "&depth=1e9",
                "id=" + id + "&depth=abc",
                "id=" + id + "&depth=99999999999999999999",
                "id=" + id + "&direction=sideways",
                "id=" + id + "&limit=-5",
                "id=" + id + "&limit=0",
                "id=" + id + "&limit=1000000000000",
                "id=" + id + "&versions=maybe",
                "id=" + id + "&versions=false&depth=1000&limit=100000",
                "id=" + id + "&id=other",
                "id=" + enc("x".repeat(10_000)))) get("lineage", "/api/lineage?" + q);
        for (String q : List.of(
                "q=",
                "",
                "q=*",
                "q=" + enc("*:*"),
                "q=" + enc("a~99"),
                "q=" + enc("\"unterminated"),
                "q=" + enc("(((("),
                "q=" + enc("a AND OR NOT"),
                "q=" + enc("\\"),
                "q=" + enc("/regex.*/"),
                "q=" + enc("field:value"),
                "q=" + enc("a^1000000"),
                "q=" + enc("[a TO z]"),
                "q=" + enc("x".repeat(201)),
                "q=" + enc("a b c d e f g h i j k l m"),
                "q=" + enc("x".repeat(100_000).substring(0, 6000)),
                "q=x&limit=-1",
                "q=x&limit=abc",
                "q=x&limit=1000000",
                "q=x&limit=1e3")) get("search", "/api/search?" + q);
        for (String q : List.of(
                "",
                "campaign_id=",
                "workflow_id=",
                "campaign_id=corpus&workflow_id=wx-s",
                "campaign_id=" + enc("\u0000"),
                "campaign_id=" + enc("x".repeat(5000)),
                "workflow_id=" + enc("' OR 1=1 //"))) get("fields", "/api/fields?" + q);
        for (String q : List.of("", "id=", "id=" + enc("x".repeat(10_000)), "id=a&id=b", "id=" + enc("#version=1")))
            get("entities", "/api/entities?" + q);
        for (String t : List.of(
                "/api/workflows?campaign_id=" + enc("\u0000"),
                "/api/workflows/x/tasks?limit=-1&status=NOPE",
                "/api/campaigns?limit=abc",
                "/api/analysis/correlation?campaign_id=corpus&x=" + enc("`) DELETE n //") + "&y=" + enc("$x"),
                "/api/analysis/correlation",
                "/api/analysis/report/" + enc("' OR 1=1 //") + "?download=maybe",
                "/api/prov/campaigns?id=" + enc("\u202e"),
                "/api/lineage/workflows?campaign_id=" + enc("x".repeat(5000)),
                "/api/stream?campaign_id=" + enc("\u0000") + "&kind=nope",
                "/api/observers/" + enc("../../x"),
                "/problems/" + enc("../../etc/passwd"),
                "/problems/nope",
                "/metrics?name[]=" + enc("\u0000"))) {
            if (t.startsWith("/api/stream")) continue; // an SSE answer never ends: not for this client
            get("browse", t);
        }
    }

    private void prov() {
        String p = "/api/prov";
        for (String body : List.of(
                "",
                "{}",
                "[]",
                "null",
                "{\"entity\":5}",
                "{\"entity\":{\"\":{}}}",
                "{\"prefix\":{\"x\":5}}",
                "{\"prefix\":{\"ex\":\"javascript:alert(1)\"},\"entity\":{\"ex:e\":{}}}",
                "{\"activity\":{\"ex:a\":{\"prov:startTime\":\"yesterday\"}}}",
                "{\"activity\":{\"ex:a\":{\"prov:startTime\":\"+10000-01-01T00:00:00Z\"}}}",
                "{\"activity\":{\"ex:a\":{\"prov:endTime\":\"2020-01-01T00:00:00Z\",\"prov:startTime\":"
                        + "\"2021-01-01T00:00:00Z\"}}}",
                "{\"wasGeneratedBy\":{\"_:g\":{\"prov:entity\":5,\"prov:activity\":[]}}}",
                "{\"used\":{\"_:u\":{\"prov:entity\":\"ex:missing\"}}}",
                "{\"entity\":{\"ex:e\":{\"ex:v\":1e400}}}",
                "{\"entity\":{\"ex:e\":{\"ex:v\":NaN}}}",
                "{\"entity\":{\"ex:e\":{\"ex:v\":18446744073709551616}}}",
                "{\"entity\":{\"ex:e\":" + deep("{\"a\":", "}", 1500, "1") + "}}",
                "{\"entity\":{" + q("' OR 1=1 //") + ":{\"prov:label\":" + q("<script>") + "}}}",
                "{\"entity\":{" + q("x".repeat(100_000)) + ":{}}}",
                "{\"bundle\":{\"b\":{\"bundle\":{\"c\":{}}}}}",
                "{\"agent\":{\"ex:ag\":{\"prov:type\":{\"$\":5,\"type\":[]}}}}")) post("prov_import", p, body);
    }

    private String olEvent(String eventType, String runId, String extraRun, String extra) {
        return "{\"eventType\":" + q(eventType) + ",\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":"
                + q(runId) + extraRun + "},\"job\":{\"namespace\":\"ns\",\"name\":\"job\"},\"producer\":"
                + "\"https://example.org/corpus\",\"schemaURL\":"
                + "\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\"" + extra + "}";
    }

    private void openLineage() {
        String p = "/api/v1/lineage";
        String uuid = "01890a3c-1d4b-7c3e-8f00-00000000000";
        for (String body : List.of(
                "",
                "{}",
                "[]",
                "[{}]",
                "null",
                olEvent("EXPLODE", uuid + "1", "", ""),
                olEvent("START", "not-a-uuid", "", ""),
                olEvent("START", "", "", ""),
                olEvent("START", uuid + "2", ",\"facets\":5", ""),
                olEvent("START", uuid + "3", ",\"facets\":{\"parent\":{\"run\":5}}", ""),
                olEvent("START", uuid + "4", "", ",\"inputs\":{}"),
                olEvent("START", uuid + "5", "", ",\"inputs\":[{\"namespace\":5,\"name\":[]}]"),
                olEvent("START", uuid + "6", "", ",\"outputs\":[{\"namespace\":\"\",\"name\":\"\"}]"),
                olEvent("COMPLETE", uuid + "7", ",\"facets\":{\"errorMessage\":{\"message\":5}}", ""),
                olEvent("START", uuid + "8", "", "").replace("\"2024-01-01T00:00:00Z\"", "\"yesterday\""),
                olEvent("START", uuid + "9", "", "").replace("\"2024-01-01T00:00:00Z\"", "1700000000"),
                olEvent("START", uuid + "0", "", "").replace(",\"job\":{\"namespace\":\"ns\",\"name\":\"job\"}", ""),
                olEvent("START", uuid + "0", "", "").replace("\"producer\":\"https://example.org/corpus\",", ""),
                olEvent("START", uuid + "1", "", "").replace("\"name\":\"job\"", "\"name\":" + q("\u0000<script>")),
                olEvent("START", uuid + "2", "", "").replace("\"name\":\"job\"", "\"name\":" + q("j".repeat(1 << 20))),
                olEvent(
                        "START",
                        uuid + "3",
                        "",
                        ",\"inputs\":[{\"namespace\":\"ns\",\"name\":\"d\",\"facets\":"
                                + deep("{\"a\":", "}", 1500, "1") + "}]"),
                olEvent(
                        "START",
                        uuid + "4",
                        "",
                        ",\"inputs\":[{\"namespace\":\"ns\",\"name\":\"d\",\"facets\":"
                                + "{\"version\":{\"datasetVersion\":1e400}}}]"),
                olEvent("START", uuid + "5", "", ",\"job\":{\"namespace\":5}"),
                "[" + (olEvent("START", uuid + "6", "", "") + ",").repeat(999) + "{}]",
                "{\"eventType\":\"START\",\"dataset\":{\"namespace\":5}}",
                "{\"job\":{\"namespace\":\"ns\",\"name\":\"j\",\"facets\":{\"jobType\":{\"jobType\":[]}}}}"))
            post("openlineage", p, body);
        // compressed bodies: not gzip, and a gzip bomb (64 MiB of zeros inflate past the limit)
        add(
                "openlineage",
                "POST",
                p,
                headers("Content-Type", JSON, "Content-Encoding", "gzip"),
                utf8("{\"not\":\"gzip\"}"));
        add("openlineage", "POST", p, headers("Content-Type", JSON, "Content-Encoding", "br"), utf8("{}"));
        add(
                "openlineage",
                "POST",
                p,
                headers("Content-Type", JSON, "Content-Encoding", "gzip"),
                gzipZeros(65 << 20),
                status(413),
                "a gzip bomb is refused 413");
    }

    private static byte[] gzipZeros(int n) {
        try {
            var bytes = new ByteArrayOutputStream();
            try (var gz = new GZIPOutputStream(bytes)) {
                byte[] zeros = new byte[1 << 20];
                for (int i = 0; i < n; i += zeros.length) gz.write(zeros);
            }
            return bytes.toByteArray();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The HTTP intake's own edges (the corpus of events goes through it separately). */
    private void events() {
        String p = "/api/events";
        String ev = "[{\"type\":\"task\",\"task_id\":\"bx-h-1\"}]";
        Predicate<RawHttp.Answer> unsupported = status(415);
        for (String ct : List.of(
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/jsonx",
                "text/json",
                "application/xml"))
            add("events_http", "POST", p, headers("Content-Type", ct), utf8(ev), unsupported, "non-JSON is 415");
        add("events_http", "POST", p, headers(), utf8(ev), unsupported, "no Content-Type is 415");
        // a charset or an encoding the body does not have: either refused, or read as the UTF-8 JSON it is
        String maybe = "[{\"type\":\"task\",\"task_id\":\"hx-h-1\"}]";
        add("events_http", "POST", p, headers("Content-Type", "application/json; charset=utf-16"), utf8(maybe));
        add("events_http", "POST", p, headers("Content-Type", JSON, "Content-Encoding", "gzip"), utf8(maybe));
        add("events_http", "PUT", p, headers("Content-Type", JSON), utf8(ev));
        add("events_http", "DELETE", p, headers(), null);
        add("events_http", "PATCH", "/api/tasks/x", headers("Content-Type", JSON), utf8("{}"));
    }

    private void deadLetters() {
        for (String q : List.of(
                "limit=-1",
                "limit=abc",
                "limit=100000",
                "after=x",
                "after=" + enc("1-1; FLUSHALL"),
                "reason=" + enc("\u0000"),
                "after=" + "9".repeat(30) + "-0")) get("dead_letters", "/api/dead-letters?" + q);
        // never a selection that matches: this corpus counts its dead letters afterwards
        for (String body : List.of(
                "",
                "[]",
                "5",
                "{}",
                "{\"ids\":5}",
                "{\"ids\":[5]}",
                "{\"ids\":[\"not-an-id\"]}",
                "{\"ids\":[\"0-1\"]}",
                "{\"ids\":[\"" + "9".repeat(40) + "-0\"]}",
                "{\"all\":\"true\"}",
                "{\"all\":false}",
                "{\"reason\":5}",
                "{\"reason\":\"zz-no-such-reason\"}",
                "{\"ids\":[" + "\"0-1\",".repeat(10_001) + "\"0-2\"]}"))
            post("dead_letters", "/api/dead-letters/replay", body);
    }

    private void statics() {
        Predicate<RawHttp.Answer> noFile = a -> {
            String t = a.text();
            return !t.contains("root:x:0")
                    && !t.contains("CREATE CONSTRAINT")
                    && !t.contains("requirepass")
                    && !(a.body().length > 4 && (a.body()[0] & 0xff) == 0xCA && (a.body()[1] & 0xff) == 0xFE);
        };
        for (String t : TRAVERSALS)
            add("static_traversal", "GET", t, headers(), null, noFile, "no file outside the web UI is served");
    }

    private void headerAttacks() {
        String ev = "[{\"type\":\"task\",\"task_id\":\"bx-h-2\"}]";
        // 421 from MIDA's Host check, or 400 from Jetty when the value is not a host[:port] at all
        Predicate<RawHttp.Answer> misdirected = status(421, 400);
        for (String host : List.of(
                "evil.example",
                "evil.example:80",
                "127.0.0.1.evil.example",
                "localhost.evil.example",
                "127.0.0.1:1@evil.example",
                "0.0.0.0",
                "LOCALHOST.evil"))
            add("headers", "GET", "/api/health", headers("Host", host), null, misdirected, "a foreign Host is refused");
        add(
                "headers",
                "POST",
                "/api/events",
                headers("Host", "evil.example", "Content-Type", JSON),
                utf8(ev),
                misdirected,
                "a foreign Host is refused");
        add("headers", "GET", "/api/health", headers("Host", ""), null);
        add("headers", "GET", "/api/health", headers("Host", "[::2]"), null, status(400, 421), "a foreign Host");
        add("headers", "GET", "/api/health", headers("Host", null), null);
        add("headers", "GET", "/api/health", headers("Host", "127.0.0.1", "Host", "evil.example"), null);
        add("headers", "GET", "http://evil.example/api/health", headers(), null);
        Predicate<RawHttp.Answer> crossOrigin = status(403);
        for (String origin : List.of("https://evil.example", "null", "http://127.0.0.1.evil.example", "file://"))
            add(
                    "headers",
                    "POST",
                    "/api/events",
                    headers("Content-Type", JSON, "Origin", origin),
                    utf8(ev),
                    crossOrigin,
                    "a cross-origin write is 403");
        add(
                "headers",
                "POST",
                "/api/events",
                headers("Content-Type", JSON, "Sec-Fetch-Site", "cross-site"),
                utf8(ev),
                crossOrigin,
                "a cross-site write is 403");
        add(
                "headers",
                "POST",
                "/api/cypher",
                headers("Content-Type", JSON, "Origin", "https://evil.example"),
                utf8("{\"query\":\"RETURN 1\"}"),
                crossOrigin,
                "a cross-origin write is 403");
        add("headers", "GET", "/api/health", headers("X-Big", "b".repeat(20_000)), null);
        var many = new ArrayList<String[]>();
        for (int i = 0; i < 1_000; i++) many.add(new String[] {"X-H" + i, "v" + i});
        add("headers", "GET", "/api/health", many, null);
        add("headers", "GET", "/api/health", headers("X-Request-Id", "r".repeat(10_000)), null);
        add("headers", "GET", "/api/health", headers("X-Request-Id", "<script>\u00e9"), null);
        add("headers", "GET", "/api/tasks", headers("Authorization", "Bearer " + "t".repeat(8_000)), null);
        add("headers", "GET", "/api/tasks/x", headers("Authorization", "Basic !!!"), null);
        add("headers", "GET", "/api/tasks/x", headers("Accept", "text/html"), null);
        add("headers", "GET", "/api/tasks/x", headers("Accept-Encoding", "gzip;q=NaN, br;q=-1"), null);
        add("headers", "GET", "/api/health", headers("Range", "bytes=99999999999-"), null);
        add("headers", "FOO", "/api/health", headers(), null);
        add("headers", "TRACE", "/", headers(), null);
        add(
                "headers",
                "OPTIONS",
                "/api/events",
                headers("Origin", "https://evil.example", "Access-Control-Request-Method", "POST"),
                null);
        add(
                "headers",
                "POST",
                "/api/events",
                headers("Content-Type", JSON, "Transfer-Encoding", "chunked"),
                utf8("zz\r\nnot a chunk\r\n0\r\n\r\n"));
        add(
                "headers",
                "POST",
                "/api/events",
                headers("Content-Type", JSON, "Transfer-Encoding", "chunked", "Content-Length", "5"),
                utf8("0\r\n\r\n"));
        add("headers", "POST", "/api/events", headers("Content-Type", JSON, "Content-Length", "-1"), null);
        add("headers", "GET", "/api/health", headers("Expect", "100-continue"), null);
    }
}
