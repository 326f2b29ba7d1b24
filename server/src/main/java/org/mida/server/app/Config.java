package org.mida.server.app;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.EventStream;

/**
 * The server's settings, immutable. Built from environment variables and {@code --flags} (a flag wins
 * over its variable) on top of the defaults in {@link Setting}. A bad value fails start-up with a
 * message that names the setting.
 *
 * <pre>{@code
 * Config c = Config.from(System.getenv(), args);
 * Config test = Config.defaults().withPort(0).withDataDir(tmp);
 * }</pre>
 */
public record Config(
        String host,
        int port,
        Path dataDir,
        int boltPort,
        int redisPort,
        String neo4jUri,
        String neo4jUser,
        String neo4jPassword,
        String redisUri,
        String stream,
        String apiToken,
        int batchSize,
        String consumerGroup,
        String consumerName,
        long claimIdleMs,
        boolean deleteAcked,
        String pageCache,
        long cypherTimeoutMs,
        int cypherMaxRows,
        double observerSilentFactor,
        double observerSilentMinS,
        String openLineageCampaign,
        int fieldsPerTask,
        int fieldsPerCampaign,
        boolean apiTokenReads,
        String allowedHosts,
        String allowedOrigins,
        long httpIdleTimeoutMs,
        int httpMaxConnections,
        int httpMaxThreads,
        long redisMaxMemory,
        String redisFsync,
        long deadLetterMax,
        long cypherMaxBytes,
        int cypherMaxQueryChars,
        long ingestLingerMs,
        long neo4jTxMaxMemory) {

    /** Every setting: its variable, its flag, its default and what it does (also the --help text). */
    public enum Setting {
        HOST("MIDA_HOST", "--host", "127.0.0.1", "HTTP listen address (0.0.0.0 to serve other hosts)"),
        PORT("MIDA_PORT", "--port", "8080", "HTTP port (0 = any free port)"),
        DATA_DIR("MIDA_DATA_DIR", "--data-dir", "./mida-data", "where embedded Neo4j and Redis keep their files"),
        BOLT_PORT("MIDA_BOLT_PORT", "--bolt-port", "7687", "Bolt port of the embedded Neo4j (127.0.0.1 only)"),
        REDIS_PORT("MIDA_REDIS_PORT", "--redis-port", "6379", "port of the embedded redis-server (127.0.0.1 only)"),
        NEO4J_URI("MIDA_NEO4J_URI", "--neo4j-uri", null, "external Neo4j (bolt:// or neo4j://); unset = embedded"),
        NEO4J_USER("MIDA_NEO4J_USER", "--neo4j-user", "neo4j", "user for the external Neo4j"),
        NEO4J_PASSWORD("MIDA_NEO4J_PASSWORD", "--neo4j-password", null, "password for the external Neo4j"),
        REDIS_URI("MIDA_REDIS_URI", "--redis-uri", null, "external Redis (redis://host:6379); unset = embedded"),
        STREAM("MIDA_STREAM", "--stream", EventStream.DEFAULT_NAME, "the Redis stream observers write to"),
        API_TOKEN(
                "MIDA_API_TOKEN",
                "--api-token",
                null,
                "when set, writes and /api/cypher need 'Authorization: Bearer <token>'"),
        BATCH_SIZE(
                "MIDA_BATCH_SIZE",
                "--batch-size",
                "5000",
                "new events read per Neo4j transaction (the events held back for coalescing, at most half as many,"
                        + " come on top)"),
        CONSUMER_GROUP(
                "MIDA_CONSUMER_GROUP", "--consumer-group", "mida-ingest", "Redis consumer group of the ingesters"),
        CONSUMER_NAME(
                "MIDA_CONSUMER_NAME",
                "--consumer-name",
                null,
                "this instance's consumer name (default: mida-<hostname>-<port>, or -<pid> with port 0)"),
        CLAIM_IDLE_MS(
                "MIDA_CLAIM_IDLE_MS",
                "--claim-idle-ms",
                "60000",
                "claim entries another consumer left pending this long"),
        DELETE_ACKED(
                "MIDA_DELETE_ACKED",
                "--delete-acked",
                "true",
                "delete stream entries once committed (keeps Redis small)"),
        PAGE_CACHE(
                "MIDA_PAGE_CACHE",
                "--page-cache",
                null,
                "embedded Neo4j page cache size, e.g. 512m (default: Neo4j's)"),
        CYPHER_TIMEOUT_MS(
                "MIDA_CYPHER_TIMEOUT_MS",
                "--cypher-timeout-ms",
                "10000",
                "time limit of one /api/cypher or /api/query read, in milliseconds"),
        CYPHER_MAX_ROWS(
                "MIDA_CYPHER_MAX_ROWS",
                "--cypher-max-rows",
                "10000",
                "most rows one /api/cypher answer holds (more: truncated), and the largest /api/query limit"),
        OBSERVER_SILENT_FACTOR(
                "MIDA_OBSERVER_SILENT_FACTOR",
                "--observer-silent-factor",
                "3",
                "an observer is silent after this many of its report intervals without a report"),
        OBSERVER_SILENT_MIN_S(
                "MIDA_OBSERVER_SILENT_MIN_S",
                "--observer-silent-min-s",
                "30",
                "nor sooner than this many seconds after its last report (the limit when it gives no interval)"),
        OPENLINEAGE_CAMPAIGN(
                "MIDA_OPENLINEAGE_CAMPAIGN",
                "--openlineage-campaign",
                null,
                "campaign of OpenLineage runs and jobs whose events name none (run facet mida.campaign_id)"),
        FIELDS_PER_TASK(
                "MIDA_FIELDS_PER_TASK",
                "--fields-per-task",
                "500",
                "most flattened keys (used.*, telemetry_at_end.*, custom_metadata.*, …) made queryable on one task"
                        + " or workflow; the rest stay in its document, listed in _unindexed"),
        FIELDS_PER_CAMPAIGN(
                "MIDA_FIELDS_PER_CAMPAIGN",
                "--fields-per-campaign",
                "5000",
                "most distinct flattened keys made queryable in one campaign (or workflow without a campaign)"),
        API_TOKEN_READS(
                "MIDA_API_TOKEN_READS",
                "--api-token-reads",
                "false",
                "true: every /api read needs the token too (except /api/health); SSE and links may pass it as"
                        + " ?access_token=; needs MIDA_API_TOKEN"),
        ALLOWED_HOSTS(
                "MIDA_ALLOWED_HOSTS",
                "--allowed-hosts",
                null,
                "more host names the HTTP Host header may carry, comma-separated, besides localhost, 127.0.0.1,"
                        + " ::1 and MIDA_HOST (and this machine's names and addresses when MIDA_HOST is 0.0.0.0);"
                        + " * allows any (no DNS rebinding guard)"),
        ALLOWED_ORIGINS(
                "MIDA_ALLOWED_ORIGINS",
                "--allowed-origins",
                null,
                "web origins (https://host:port) allowed to send writes besides the server's own, comma-separated"),
        HTTP_IDLE_TIMEOUT_MS(
                "MIDA_HTTP_IDLE_TIMEOUT_MS",
                "--http-idle-timeout-ms",
                "30000",
                "an HTTP connection idle (or a request arriving slower than 1 KiB/s) this long is closed"),
        HTTP_MAX_CONNECTIONS(
                "MIDA_HTTP_MAX_CONNECTIONS",
                "--http-max-connections",
                "2000",
                "most open HTTP connections; more wait in the accept queue"),
        HTTP_MAX_THREADS(
                "MIDA_HTTP_MAX_THREADS",
                "--http-max-threads",
                "400",
                "most HTTP worker threads (requests handled at once; SSE clients each hold one)"),
        REDIS_MAXMEMORY(
                "MIDA_REDIS_MAXMEMORY",
                "--redis-maxmemory",
                "1gb",
                "memory bound of the embedded Redis (bytes, or with kb/mb/gb; 0 = none), policy noeviction: a full"
                        + " Redis refuses new events (observers spill them, POST /api/events answers 503)"),
        REDIS_FSYNC(
                "MIDA_REDIS_FSYNC",
                "--redis-fsync",
                "always",
                "appendfsync of the embedded Redis: always (an acknowledged event survives kill -9 of"
                        + " redis-server) or everysec (faster; may lose the last second)"),
        DEAD_LETTER_MAX(
                "MIDA_DEAD_LETTER_MAX",
                "--dead-letter-max",
                "100000",
                "about how many entries the dead-letter stream keeps (XADD MAXLEN ~); the oldest are dropped"
                        + " and counted (dead_letters_dropped in /api/health)"),
        CYPHER_MAX_BYTES(
                "MIDA_CYPHER_MAX_BYTES",
                "--cypher-max-bytes",
                "16777216",
                "most bytes (as JSON) one /api/cypher or /api/query answer may hold; a larger one is refused (422)"),
        CYPHER_MAX_QUERY_CHARS(
                "MIDA_CYPHER_MAX_QUERY_CHARS",
                "--cypher-max-query-chars",
                "100000",
                "the longest Cypher statement /api/cypher accepts, in characters"),
        INGEST_LINGER_MS(
                "MIDA_INGEST_LINGER_MS",
                "--ingest-linger-ms",
                "250",
                "how long the ingest holds back a task's non-final event (e.g. RUNNING) waiting for its FINISHED,"
                        + " so a short task is written once (0 = write at once); a RUNNING task shows this much later"),
        NEO4J_TX_MAX_MEMORY(
                "MIDA_NEO4J_TX_MAX_MEMORY",
                "--neo4j-tx-max-memory",
                null,
                "embedded Neo4j: most memory one transaction may use (db.memory.transaction.max), e.g. 512mb;"
                        + " 0 = no limit; unset = half the heap (at least 64mb)");

        public final String env;
        public final String flag;
        public final String defaultValue;
        public final String help;

        Setting(String env, String flag, String defaultValue, String help) {
            this.env = env;
            this.flag = flag;
            this.defaultValue = defaultValue;
            this.help = help;
        }
    }

    public Config {
        requirePort("MIDA_PORT", port);
        requirePort("MIDA_BOLT_PORT", boltPort);
        requirePort("MIDA_REDIS_PORT", redisPort);
        if (batchSize < 1 || batchSize > 100_000)
            throw new ConfigException("MIDA_BATCH_SIZE must be between 1 and 100000, got " + batchSize);
        if (stream == null || stream.isBlank()) throw new ConfigException("MIDA_STREAM must not be empty");
        if (neo4jUri != null && !neo4jUri.matches("(bolt|neo4j)(\\+s|\\+ssc)?://.+"))
            throw new ConfigException("MIDA_NEO4J_URI must be a bolt:// or neo4j:// URI, got '" + neo4jUri + "'");
        if (redisUri != null && !redisUri.matches("rediss?://.+"))
            throw new ConfigException("MIDA_REDIS_URI must be a redis:// URI, got '" + redisUri + "'");
        if (apiToken != null && apiToken.isBlank()) apiToken = null;
        if (cypherTimeoutMs < 1 || cypherTimeoutMs > 3_600_000)
            throw new ConfigException(
                    "MIDA_CYPHER_TIMEOUT_MS must be between 1 and 3600000 (one hour), got " + cypherTimeoutMs);
        if (cypherMaxRows < 1 || cypherMaxRows > 1_000_000)
            throw new ConfigException("MIDA_CYPHER_MAX_ROWS must be between 1 and 1000000, got " + cypherMaxRows);
        if (!(observerSilentFactor >= 1 && observerSilentFactor <= 1000))
            throw new ConfigException(
                    "MIDA_OBSERVER_SILENT_FACTOR must be a number from 1 to 1000, got " + observerSilentFactor);
        if (!(observerSilentMinS >= 0 && observerSilentMinS <= 7 * 86_400))
            throw new ConfigException(
                    "MIDA_OBSERVER_SILENT_MIN_S must be a number of seconds from 0 to 604800 (a week), got "
                            + observerSilentMinS);
        if (fieldsPerTask < 0 || fieldsPerTask > 10_000)
            throw new ConfigException("MIDA_FIELDS_PER_TASK must be between 0 and 10000, got " + fieldsPerTask);
        if (fieldsPerCampaign < 0 || fieldsPerCampaign > 1_000_000)
            throw new ConfigException(
                    "MIDA_FIELDS_PER_CAMPAIGN must be between 0 and 1000000, got " + fieldsPerCampaign);
        // unset: a default per process, see consumerName()
        if (consumerName != null && consumerName.isBlank()) consumerName = null;
        if (openLineageCampaign != null && openLineageCampaign.isBlank()) openLineageCampaign = null;
        if (apiTokenReads && apiToken == null)
            throw new ConfigException("MIDA_API_TOKEN_READS=true needs MIDA_API_TOKEN (the token reads must carry)");
        if (allowedHosts != null && allowedHosts.isBlank()) allowedHosts = null;
        if (allowedOrigins != null && allowedOrigins.isBlank()) allowedOrigins = null;
        if (allowedOrigins != null)
            for (String o : allowedOrigins.split(","))
                if (!o.strip().matches("(?i)https?://[^/\\s]+"))
                    throw new ConfigException(
                            "MIDA_ALLOWED_ORIGINS must list origins like https://host:port, got '" + o.strip() + "'");
        if (httpIdleTimeoutMs < 1_000 || httpIdleTimeoutMs > 3_600_000)
            throw new ConfigException(
                    "MIDA_HTTP_IDLE_TIMEOUT_MS must be between 1000 and 3600000, got " + httpIdleTimeoutMs);
        if (httpMaxConnections < 16 || httpMaxConnections > 1_000_000)
            throw new ConfigException(
                    "MIDA_HTTP_MAX_CONNECTIONS must be between 16 and 1000000, got " + httpMaxConnections);
        if (httpMaxThreads < 16 || httpMaxThreads > 10_000)
            throw new ConfigException("MIDA_HTTP_MAX_THREADS must be between 16 and 10000, got " + httpMaxThreads);
        if (redisMaxMemory < 0)
            throw new ConfigException("MIDA_REDIS_MAXMEMORY must be 0 (no bound) or a size, got " + redisMaxMemory);
        if (redisMaxMemory > 0 && redisMaxMemory < 8L * 1024 * 1024)
            throw new ConfigException(
                    "MIDA_REDIS_MAXMEMORY must be at least 8mb (Redis itself needs a few), got " + redisMaxMemory);
        if (redisFsync == null || !redisFsync.equals("always") && !redisFsync.equals("everysec"))
            throw new ConfigException("MIDA_REDIS_FSYNC must be always or everysec, got '" + redisFsync + "'");
        if (deadLetterMax < 100 || deadLetterMax > 100_000_000)
            throw new ConfigException("MIDA_DEAD_LETTER_MAX must be between 100 and 100000000, got " + deadLetterMax);
        if (cypherMaxBytes < 1024 || cypherMaxBytes > 1L << 30)
            throw new ConfigException(
                    "MIDA_CYPHER_MAX_BYTES must be between 1024 and 1073741824, got " + cypherMaxBytes);
        if (cypherMaxQueryChars < 100 || cypherMaxQueryChars > 10_000_000)
            throw new ConfigException(
                    "MIDA_CYPHER_MAX_QUERY_CHARS must be between 100 and 10000000, got " + cypherMaxQueryChars);
        if (ingestLingerMs < 0 || ingestLingerMs > 10_000)
            throw new ConfigException("MIDA_INGEST_LINGER_MS must be between 0 and 10000, got " + ingestLingerMs);
        if (neo4jTxMaxMemory < -1 || (neo4jTxMaxMemory > 0 && neo4jTxMaxMemory < 1L << 20))
            throw new ConfigException(
                    "MIDA_NEO4J_TX_MAX_MEMORY must be 0 (no limit) or at least 1mb, got " + neo4jTxMaxMemory);
        if (openLineageCampaign != null && openLineageCampaign.length() > 1024)
            throw new ConfigException("MIDA_OPENLINEAGE_CAMPAIGN must be a campaign id of at most 1024 characters, got "
                    + openLineageCampaign.length());
    }

    /** Defaults only (no environment). */
    public static Config defaults() {
        return from(Map.of(), new String[0]);
    }

    /** Environment variables, then flags ({@code --port 9000} or {@code --port=9000}). */
    public static Config from(Map<String, String> env, String[] args) {
        var values = new LinkedHashMap<Setting, String>();
        for (Setting s : Setting.values()) {
            String v = env.get(s.env);
            values.put(s, v != null && !v.isBlank() ? v : s.defaultValue);
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("serve")) continue;
            String name = a, value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            Setting s = byFlag(name);
            if (s == null) throw new ConfigException("unknown option '" + name + "' (see --help)");
            if (value == null) {
                if (i + 1 >= args.length) throw new ConfigException("option " + name + " needs a value");
                value = args[++i];
            }
            values.put(s, value);
        }
        return of(values);
    }

    /** A config from one string value per setting (null = unset), validated. */
    private static Config of(Map<Setting, String> values) {
        return new Config(
                values.get(Setting.HOST),
                integer(Setting.PORT, values),
                Path.of(values.get(Setting.DATA_DIR)),
                integer(Setting.BOLT_PORT, values),
                integer(Setting.REDIS_PORT, values),
                values.get(Setting.NEO4J_URI),
                values.get(Setting.NEO4J_USER),
                values.get(Setting.NEO4J_PASSWORD),
                values.get(Setting.REDIS_URI),
                values.get(Setting.STREAM),
                values.get(Setting.API_TOKEN),
                integer(Setting.BATCH_SIZE, values),
                values.get(Setting.CONSUMER_GROUP),
                values.get(Setting.CONSUMER_NAME),
                longValue(Setting.CLAIM_IDLE_MS, values),
                bool(Setting.DELETE_ACKED, values),
                values.get(Setting.PAGE_CACHE),
                longValue(Setting.CYPHER_TIMEOUT_MS, values),
                integer(Setting.CYPHER_MAX_ROWS, values),
                number(Setting.OBSERVER_SILENT_FACTOR, values),
                number(Setting.OBSERVER_SILENT_MIN_S, values),
                values.get(Setting.OPENLINEAGE_CAMPAIGN),
                integer(Setting.FIELDS_PER_TASK, values),
                integer(Setting.FIELDS_PER_CAMPAIGN, values),
                bool(Setting.API_TOKEN_READS, values),
                values.get(Setting.ALLOWED_HOSTS),
                values.get(Setting.ALLOWED_ORIGINS),
                longValue(Setting.HTTP_IDLE_TIMEOUT_MS, values),
                integer(Setting.HTTP_MAX_CONNECTIONS, values),
                integer(Setting.HTTP_MAX_THREADS, values),
                bytes(Setting.REDIS_MAXMEMORY, values),
                values.get(Setting.REDIS_FSYNC) == null
                        ? null
                        : values.get(Setting.REDIS_FSYNC).trim().toLowerCase(java.util.Locale.ROOT),
                longValue(Setting.DEAD_LETTER_MAX, values),
                longValue(Setting.CYPHER_MAX_BYTES, values),
                integer(Setting.CYPHER_MAX_QUERY_CHARS, values),
                longValue(Setting.INGEST_LINGER_MS, values),
                values.get(Setting.NEO4J_TX_MAX_MEMORY) == null ? -1 : bytes(Setting.NEO4J_TX_MAX_MEMORY, values));
    }

    public boolean embeddedNeo4j() {
        return neo4jUri == null;
    }

    public boolean embeddedRedis() {
        return redisUri == null;
    }

    public String deadLetterStream() {
        return new EventStream(stream).deadLetterName();
    }

    public Config withPort(int p) {
        return with(Setting.PORT, p);
    }

    public Config withBackends(String neo4j, String redis) {
        return with(Setting.NEO4J_URI, neo4j, Setting.REDIS_URI, redis);
    }

    /** User and password of the external Neo4j. */
    public Config withNeo4jAuth(String user, String password) {
        return with(Setting.NEO4J_USER, user, Setting.NEO4J_PASSWORD, password);
    }

    public Config withEmbeddedPorts(int bolt, int redis) {
        return with(Setting.BOLT_PORT, bolt, Setting.REDIS_PORT, redis);
    }

    public Config withApiToken(String token) {
        return with(Setting.API_TOKEN, token);
    }

    /** The token, required for reads too when {@code reads}. */
    public Config withApiToken(String token, boolean reads) {
        return with(Setting.API_TOKEN, token, Setting.API_TOKEN_READS, reads);
    }

    /** Extra Host header names and web origins allowed (comma-separated; null = none). */
    public Config withAllowed(String hosts, String origins) {
        return with(Setting.ALLOWED_HOSTS, hosts, Setting.ALLOWED_ORIGINS, origins);
    }

    /** Per-connection limits of the HTTP server. */
    public Config withHttpLimits(long idleTimeoutMs, int maxConnections, int maxThreads) {
        return with(
                Setting.HTTP_IDLE_TIMEOUT_MS,
                idleTimeoutMs,
                Setting.HTTP_MAX_CONNECTIONS,
                maxConnections,
                Setting.HTTP_MAX_THREADS,
                maxThreads);
    }

    /** How long the ingest holds back a task's non-final event for its final one (0 = not at all). */
    public Config withIngestLinger(long ms) {
        return with(Setting.INGEST_LINGER_MS, ms);
    }

    public Config withIngest(int batch, String consumer, long claimIdle) {
        return with(Setting.BATCH_SIZE, batch, Setting.CONSUMER_NAME, consumer, Setting.CLAIM_IDLE_MS, claimIdle);
    }

    /** Byte cap of /api/cypher and /api/query answers, and the longest Cypher statement. */
    public Config withCypherSizes(long maxBytes, int maxQueryChars) {
        return with(Setting.CYPHER_MAX_BYTES, maxBytes, Setting.CYPHER_MAX_QUERY_CHARS, maxQueryChars);
    }

    /** Time limit (ms) and row cap of /api/cypher and /api/query. */
    public Config withCypherLimits(long timeoutMs, int maxRows) {
        return with(Setting.CYPHER_TIMEOUT_MS, timeoutMs, Setting.CYPHER_MAX_ROWS, maxRows);
    }

    /** When observers count as silent: after {@code factor} × their interval, and at least {@code minSeconds}. */
    public Config withObserverSilence(double factor, double minSeconds) {
        return with(Setting.OBSERVER_SILENT_FACTOR, factor, Setting.OBSERVER_SILENT_MIN_S, minSeconds);
    }

    /** The bounds of the flattened keys made queryable: per task (or workflow) and per campaign. */
    public Config withFieldBounds(int perTask, int perCampaign) {
        return with(Setting.FIELDS_PER_TASK, perTask, Setting.FIELDS_PER_CAMPAIGN, perCampaign);
    }

    /** The embedded Redis's memory bound (bytes, 0 = none) and the dead-letter stream's length bound. */
    public Config withBounds(long redisMaxMemory, long deadLetterMax) {
        return with(Setting.REDIS_MAXMEMORY, redisMaxMemory, Setting.DEAD_LETTER_MAX, deadLetterMax);
    }

    /** The embedded Neo4j's per-transaction memory limit in bytes (0 = none, -1 = the default). */
    public Config withNeo4jTxMaxMemory(long bytes) {
        return with(Setting.NEO4J_TX_MAX_MEMORY, bytes < 0 ? null : bytes);
    }

    public Config withDataDir(Path dir) {
        return with(Setting.DATA_DIR, dir);
    }

    public Config withStream(String s) {
        return with(Setting.STREAM, s);
    }

    /** The campaign of OpenLineage runs and jobs whose events name none (null: none). */
    public Config withOpenLineageCampaign(String campaignId) {
        return with(Setting.OPENLINEAGE_CAMPAIGN, campaignId);
    }

    /** A copy with some settings changed: pairs of {@link Setting} and value (null = unset). */
    private Config with(Object... settingsAndValues) {
        Map<Setting, String> v = values();
        for (int i = 0; i < settingsAndValues.length; i += 2) {
            Object value = settingsAndValues[i + 1];
            v.put((Setting) settingsAndValues[i], value == null ? null : value.toString());
        }
        return of(v);
    }

    /** This config as one string per setting, as {@link #from} reads them. */
    private Map<Setting, String> values() {
        var v = new java.util.EnumMap<Setting, String>(Setting.class);
        v.put(Setting.HOST, host);
        v.put(Setting.PORT, String.valueOf(port));
        v.put(Setting.DATA_DIR, dataDir.toString());
        v.put(Setting.BOLT_PORT, String.valueOf(boltPort));
        v.put(Setting.REDIS_PORT, String.valueOf(redisPort));
        v.put(Setting.NEO4J_URI, neo4jUri);
        v.put(Setting.NEO4J_USER, neo4jUser);
        v.put(Setting.NEO4J_PASSWORD, neo4jPassword);
        v.put(Setting.REDIS_URI, redisUri);
        v.put(Setting.STREAM, stream);
        v.put(Setting.API_TOKEN, apiToken);
        v.put(Setting.BATCH_SIZE, String.valueOf(batchSize));
        v.put(Setting.CONSUMER_GROUP, consumerGroup);
        v.put(Setting.CONSUMER_NAME, consumerName);
        v.put(Setting.CLAIM_IDLE_MS, String.valueOf(claimIdleMs));
        v.put(Setting.DELETE_ACKED, String.valueOf(deleteAcked));
        v.put(Setting.PAGE_CACHE, pageCache);
        v.put(Setting.CYPHER_TIMEOUT_MS, String.valueOf(cypherTimeoutMs));
        v.put(Setting.CYPHER_MAX_ROWS, String.valueOf(cypherMaxRows));
        v.put(Setting.CYPHER_MAX_BYTES, String.valueOf(cypherMaxBytes));
        v.put(Setting.CYPHER_MAX_QUERY_CHARS, String.valueOf(cypherMaxQueryChars));
        v.put(Setting.INGEST_LINGER_MS, String.valueOf(ingestLingerMs));
        v.put(Setting.OBSERVER_SILENT_FACTOR, String.valueOf(observerSilentFactor));
        v.put(Setting.OBSERVER_SILENT_MIN_S, String.valueOf(observerSilentMinS));
        v.put(Setting.OPENLINEAGE_CAMPAIGN, openLineageCampaign);
        v.put(Setting.FIELDS_PER_TASK, String.valueOf(fieldsPerTask));
        v.put(Setting.FIELDS_PER_CAMPAIGN, String.valueOf(fieldsPerCampaign));
        v.put(Setting.API_TOKEN_READS, String.valueOf(apiTokenReads));
        v.put(Setting.ALLOWED_HOSTS, allowedHosts);
        v.put(Setting.ALLOWED_ORIGINS, allowedOrigins);
        v.put(Setting.HTTP_IDLE_TIMEOUT_MS, String.valueOf(httpIdleTimeoutMs));
        v.put(Setting.HTTP_MAX_CONNECTIONS, String.valueOf(httpMaxConnections));
        v.put(Setting.HTTP_MAX_THREADS, String.valueOf(httpMaxThreads));
        v.put(Setting.REDIS_MAXMEMORY, String.valueOf(redisMaxMemory));
        v.put(Setting.REDIS_FSYNC, redisFsync);
        v.put(Setting.DEAD_LETTER_MAX, String.valueOf(deadLetterMax));
        v.put(Setting.NEO4J_TX_MAX_MEMORY, neo4jTxMaxMemory < 0 ? null : String.valueOf(neo4jTxMaxMemory));
        return v;
    }

    /** The --help text: one line per setting. */
    public static String help() {
        var sb = new StringBuilder("Usage: java -jar mida-server.jar [serve] [--flag value ...]\n\n");
        sb.append("Every flag can also be set by its environment variable.\n\n");
        for (Setting s : Setting.values()) {
            sb.append(String.format(
                    "  %-20s %-23s %s%s%n",
                    s.flag, s.env, s.help, s.defaultValue == null ? "" : " [default: " + s.defaultValue + "]"));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Config[host=" + host + ", port=" + port + ", dataDir=" + dataDir + ", boltPort=" + boltPort
                + ", redisPort=" + redisPort + ", neo4jUri=" + (neo4jUri == null ? "embedded" : neo4jUri)
                + ", neo4jUser=" + neo4jUser + ", neo4jPassword=" + mask(neo4jPassword)
                + ", redisUri=" + (redisUri == null ? "embedded" : maskUri(redisUri)) + ", stream=" + stream
                + ", apiToken=" + mask(apiToken) + ", batchSize=" + batchSize + ", consumerGroup=" + consumerGroup
                + ", consumerName=" + consumerName() + ", claimIdleMs=" + claimIdleMs + ", deleteAcked=" + deleteAcked
                + ", pageCache=" + pageCache + ", cypherTimeoutMs=" + cypherTimeoutMs + ", cypherMaxRows="
                + cypherMaxRows + ", observerSilentFactor=" + observerSilentFactor + ", observerSilentMinS="
                + observerSilentMinS + ", openLineageCampaign=" + openLineageCampaign + ", fieldsPerTask="
                + fieldsPerTask + ", fieldsPerCampaign=" + fieldsPerCampaign + ", apiTokenReads=" + apiTokenReads
                + ", allowedHosts=" + allowedHosts + ", allowedOrigins=" + allowedOrigins + ", httpIdleTimeoutMs="
                + httpIdleTimeoutMs + ", httpMaxConnections=" + httpMaxConnections + ", httpMaxThreads="
                + httpMaxThreads + ", redisMaxMemory=" + redisMaxMemory + ", redisFsync=" + redisFsync
                + ", deadLetterMax=" + deadLetterMax + ", cypherMaxBytes=" + cypherMaxBytes + ", cypherMaxQueryChars="
                + cypherMaxQueryChars + ", ingestLingerMs=" + ingestLingerMs + ", neo4jTxMaxMemory="
                + (neo4jTxMaxMemory < 0 ? "auto" : neo4jTxMaxMemory)
                + "]";
    }

    /** Thrown for a bad setting; the message names it. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }

    static List<Setting> settings() {
        return List.of(Setting.values());
    }

    private static Setting byFlag(String flag) {
        for (Setting s : Setting.values()) if (s.flag.equals(flag)) return s;
        return null;
    }

    private static int integer(Setting s, Map<Setting, String> values) {
        try {
            return Integer.parseInt(values.get(s).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(s.env + " (" + s.flag + ") must be a whole number, got '" + values.get(s) + "'");
        }
    }

    private static long longValue(Setting s, Map<Setting, String> values) {
        try {
            return Long.parseLong(values.get(s).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(s.env + " (" + s.flag + ") must be a whole number, got '" + values.get(s) + "'");
        }
    }

    /** A size: bytes, or a number with kb, mb or gb (powers of 1024, as Redis reads them). */
    private static long bytes(Setting s, Map<Setting, String> values) {
        String v = values.get(s).trim().toLowerCase(java.util.Locale.ROOT);
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*(b|k|kb|m|mb|g|gb)?").matcher(v);
        if (!m.matches())
            throw new ConfigException(s.env + " (" + s.flag + ") must be a size like 512mb or 2gb, got '" + v + "'");
        try {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2);
            long factor = switch (unit.charAt(0)) {
                case 'k' -> 1024L;
                case 'm' -> 1024L * 1024;
                case 'g' -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            return Math.multiplyExact(n, factor);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new ConfigException(s.env + " (" + s.flag + ") is too large: '" + v + "'");
        }
    }

    private static double number(Setting s, Map<Setting, String> values) {
        try {
            double d = Double.parseDouble(values.get(s).trim());
            if (Double.isNaN(d) || Double.isInfinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException(s.env + " (" + s.flag + ") must be a number, got '" + values.get(s) + "'");
        }
    }

    private static boolean bool(Setting s, Map<Setting, String> values) {
        String v = values.get(s).trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new ConfigException(s.env + " (" + s.flag + ") must be true or false, got '" + v + "'");
        };
    }

    private static void requirePort(String name, int p) {
        if (p < 0 || p > 65535) throw new ConfigException(name + " must be a port between 0 and 65535, got " + p);
    }

    private static String mask(String secret) {
        return secret == null ? "unset" : "****";
    }

    private static String maskUri(String uri) {
        return uri.replaceAll("//[^@/]*@", "//****@");
    }

    /**
     * This process's name in the consumer group: as set, else {@link #defaultConsumerName}. Distinct for
     * every server process reading one Redis (two on one host cannot share a port), and the same when a
     * server restarts with the same settings, so it re-reads the entries it left pending at once (other
     * instances would claim them only after {@code MIDA_CLAIM_IDLE_MS}).
     */
    public String consumerName() {
        return consumerName != null
                ? consumerName
                : defaultConsumerName(
                        HOSTNAME.get(), port, ProcessHandle.current().pid());
    }

    /** {@code mida-<hostname>-<port>}; with port 0 (chosen at random) {@code mida-<hostname>-<pid>}. */
    static String defaultConsumerName(String hostname, int port, long pid) {
        return "mida-" + hostname + "-" + (port > 0 ? Integer.toString(port) : "pid" + pid);
    }

    private static final java.util.function.Supplier<String> HOSTNAME = new java.util.function.Supplier<>() {
        private volatile String name;

        @Override
        public String get() {
            String n = name;
            if (n == null) name = n = hostname();
            return n;
        }
    };

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            String h = System.getenv("HOSTNAME");
            return h != null ? h : "local";
        }
    }
}
