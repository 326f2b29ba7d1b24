package org.mida.observers.agent;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.mida.observers.controller.StatusReports;
import org.mida.observers.flowcept.FlowceptMessages;
import org.mida.observers.flowcept.FlowceptSettings;
import org.mida.observers.mlflow.MlflowSettings;

/**
 * Reads the agent's YAML settings file into an {@link AgentConfig}, refusing anything it does not
 * know: every error names the file, the key path ({@code observers[1].poll_interval}) and what is
 * allowed there. String values may use {@code ${NAME}} and {@code ${NAME:-default}} (environment
 * variables; {@code $${} is a literal {@code ${}). Relative paths are taken from the file's folder.
 *
 * <pre>{@code
 * AgentConfig config = ConfigLoader.load(Path.of("observers.yaml"));
 * }</pre>
 */
public final class ConfigLoader {

    static final List<String> TOP_KEYS = List.of(
            "agent", "redis_uri", "stream", "campaign", "spill_dir", "status_interval", "start_retry_max", "observers");
    static final List<String> COMMON_KEYS = List.of("kind", "name", "enabled", "campaign");
    static final Map<String, List<String>> KIND_KEYS = Map.of(
            "mlflow",
            List.of(
                    "poll_interval",
                    "tracking_uri",
                    "user",
                    "password",
                    "store_id",
                    "lookback",
                    "reconcile_interval",
                    "metric_history",
                    "data_params",
                    "data_schemes",
                    "path_params",
                    "list_artifacts",
                    "max_artifact_files"),
            "logfile",
            List.of(
                    "poll_interval",
                    "file",
                    "format",
                    "pattern",
                    "workflow_id",
                    "workflow_name",
                    "state_file",
                    "snake_case",
                    "fields",
                    "used_entities",
                    "generated_entities",
                    "record_marker",
                    "scope_runs"),
            "flowcept",
            List.of("redis", "channel", "format", "reconnect_delay"));
    static final List<String> KINDS = List.of("mlflow", "logfile", "flowcept");

    private static final Pattern VARIABLE = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    private final String file;
    private final Path baseDir;
    private final UnaryOperator<String> env;

    private ConfigLoader(String file, Path baseDir, UnaryOperator<String> env) {
        this.file = file;
        this.baseDir = baseDir;
        this.env = env;
    }

    /** Reads {@code path} with the process environment. */
    public static AgentConfig load(Path path) {
        return load(path, System::getenv);
    }

    /** Reads {@code path}; {@code env} answers {@code ${NAME}} (null = not set). */
    public static AgentConfig load(Path path, UnaryOperator<String> env) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such settings file");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read the settings file: " + e);
        }
        Path abs = path.toAbsolutePath().normalize();
        String stem = abs.getFileName()
                .toString()
                .replaceFirst("\\.(ya?ml|json)$", "")
                .replaceAll("[^A-Za-z0-9_.-]", "_");
        return new ConfigLoader(path.toString(), abs.getParent(), env).parse(text, stem);
    }

    /** Parses settings text; {@code defaultAgent} names the agent when the text does not. */
    static AgentConfig parse(String text, String file, Path baseDir, String defaultAgent, UnaryOperator<String> env) {
        return new ConfigLoader(file, baseDir, env).parse(text, defaultAgent);
    }

    private AgentConfig parse(String text, String defaultAgent) {
        JsonNode root;
        try {
            var mapper = YAMLMapper.builder()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .build();
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null
                            ? " (line " + e.getLocation().getLineNr() + ", column "
                                    + e.getLocation().getColumnNr() + ")"
                            : ""));
        }
        if (root == null || root.isMissingNode() || root.isNull())
            throw new ConfigException(file + ": the settings file is empty; it needs at least 'observers:'");
        ObjectNode top = object(root, "");
        checkKeys(top, "", TOP_KEYS);
        String agent = string(top, "", "agent");
        if (agent == null) agent = defaultAgent;
        else if (!agent.matches("[A-Za-z0-9_.-]+"))
            throw error("agent", "expected a name of letters, digits, '.', '_' or '-', got '" + agent + "'");
        String redisUri = string(top, "", "redis_uri");
        if (redisUri != null && !redisUri.matches("(?i)rediss?://.+"))
            throw error("redis_uri", "expected redis://[user:password@]host:port[/db], got '" + redisUri + "'");
        String stream = string(top, "", "stream");
        String campaign = string(top, "", "campaign");
        String spill = string(top, "", "spill_dir");
        Duration status = duration(top, "", "status_interval", true);
        Duration retryMax = duration(top, "", "start_retry_max", false);
        JsonNode list = top.get("observers");
        if (list == null || list.isNull())
            throw error("observers", "missing: list the observers to run (kind: " + String.join(" | ", KINDS) + ")");
        if (!list.isArray()) throw error("observers", "expected a list of observers, got " + kind(list));
        var specs = new ArrayList<ObserverSpec>();
        int i = 0;
        for (JsonNode n : (ArrayNode) list) {
            ObserverSpec s = observer(n, "observers[" + i++ + "]");
            if (s != null) specs.add(s);
        }
        if (specs.isEmpty()) throw error("observers", "no observer to run (every one is absent or enabled: false)");
        return new AgentConfig(
                file,
                agent,
                redisUri,
                stream,
                campaign,
                spill == null ? null : resolve(spill),
                status != null ? status : StatusReports.DEFAULT_INTERVAL,
                specs,
                retryMax);
    }

    private ObserverSpec observer(JsonNode n, String at) {
        ObjectNode o = object(n, at);
        String kind = string(o, at, "kind");
        if (kind == null) throw error(at + ".kind", "missing; expected one of " + String.join(", ", KINDS));
        kind = kind.toLowerCase(Locale.ROOT);
        if (!KINDS.contains(kind))
            throw error(at + ".kind", "unknown kind '" + kind + "'; expected one of " + String.join(", ", KINDS));
        var allowed = new ArrayList<>(COMMON_KEYS);
        allowed.addAll(KIND_KEYS.get(kind));
        if (kind.equals("flowcept") && o.has("poll_interval"))
            throw error(
                    at + ".poll_interval",
                    "a flowcept observer is not polled (it receives Flowcept's messages as they are"
                            + " published); allowed keys for kind flowcept: " + String.join(", ", allowed));
        checkKeys(o, at, allowed);
        Boolean enabled = bool(o, at, "enabled");
        if (enabled != null && !enabled) return null;
        String name = string(o, at, "name");
        if (name == null) name = kind;
        else if (!name.matches("[A-Za-z0-9_.:-]+"))
            throw error(at + ".name", "expected a name of letters, digits, '.', ':', '_' or '-', got '" + name + "'");
        String campaign = string(o, at, "campaign");
        return switch (kind) {
            case "mlflow" -> mlflow(o, at, name, campaign);
            case "logfile" -> logfile(o, at, name, campaign);
            default -> flowcept(o, at, name, campaign);
        };
    }

    private ObserverSpec mlflow(ObjectNode o, String at, String name, String campaign) {
        String uri = string(o, at, "tracking_uri");
        if (uri == null)
            throw error(
                    at + ".tracking_uri",
                    "missing: the MLflow backend store, sqlite:///mlflow.db or"
                            + " postgresql://user:password@host:5432/db");
        MlflowSettings s;
        try {
            s = MlflowSettings.fromTrackingUri(sqliteFromHere(uri));
        } catch (IllegalArgumentException e) {
            throw error(at + ".tracking_uri", e.getMessage() + "; expected sqlite:///path.db or postgresql://…");
        }
        String user = string(o, at, "user"), password = string(o, at, "password");
        if (user != null || password != null)
            s = s.withCredentials(user != null ? user : s.user(), password != null ? password : s.password());
        String store = string(o, at, "store_id");
        if (store != null) s = s.withStoreId(store);
        Duration poll = duration(o, at, "poll_interval", false);
        if (poll != null) s = s.withPollInterval(poll);
        Duration lookback = duration(o, at, "lookback", true);
        if (lookback != null) s = s.withLookback(lookback);
        Duration reconcile = duration(o, at, "reconcile_interval", true);
        if (reconcile != null) s = s.withReconcileInterval(reconcile);
        Boolean history = bool(o, at, "metric_history");
        if (history != null) s = s.withMetricHistory(history);
        List<String> dataParams = strings(o, at, "data_params");
        if (dataParams != null) s = s.withDataParams(new java.util.LinkedHashSet<>(dataParams));
        List<String> schemes = strings(o, at, "data_schemes");
        if (schemes != null) s = s.withDataSchemes(new java.util.LinkedHashSet<>(schemes));
        Boolean pathParams = bool(o, at, "path_params");
        if (pathParams != null) s = s.withPathParams(pathParams);
        Boolean listArtifacts = bool(o, at, "list_artifacts");
        if (listArtifacts != null) s = s.withListArtifacts(listArtifacts);
        String maxFiles = string(o, at, "max_artifact_files");
        if (maxFiles != null) {
            try {
                int n = Integer.parseInt(maxFiles.strip());
                if (n < 0) throw new NumberFormatException();
                s = s.withMaxArtifactFiles(n);
            } catch (NumberFormatException e) {
                throw error(at + ".max_artifact_files", "expected a whole number >= 0, got '" + maxFiles + "'");
            }
        }
        return new ObserverSpec.Mlflow(name, campaign, s);
    }

    /** {@code sqlite:///rel.db} is made relative to the settings file's folder; anything else is left as is. */
    private String sqliteFromHere(String uri) {
        String prefix = "sqlite:///";
        if (!uri.toLowerCase(Locale.ROOT).startsWith(prefix) || uri.startsWith(prefix + "/")) return uri;
        return prefix + resolve(uri.substring(prefix.length()));
    }

    private ObserverSpec logfile(ObjectNode o, String at, String name, String campaign) {
        String f = string(o, at, "file");
        if (f == null) throw error(at + ".file", "missing: the log file to follow (it may not exist yet)");
        String format = string(o, at, "format");
        String regex = string(o, at, "pattern");
        if (format != null) {
            format = format.toLowerCase(Locale.ROOT);
            if (!format.equals("json") && !format.equals("regex"))
                throw error(at + ".format", "expected json or regex, got '" + format + "'");
            if (format.equals("regex") && regex == null)
                throw error(at + ".pattern", "missing: format regex needs a pattern with a (?<taskId>…) group");
            if (format.equals("json") && regex != null)
                throw error(at + ".pattern", "format json takes no pattern; remove one of the two");
        }
        Pattern pattern = null;
        if (regex != null) {
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw error(
                        at + ".pattern",
                        "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
        Duration poll = duration(o, at, "poll_interval", false);
        String state = string(o, at, "state_file");
        String marker = string(o, at, "record_marker");
        Pattern recordMarker = null;
        if (marker != null) {
            try {
                recordMarker = Pattern.compile(marker);
            } catch (PatternSyntaxException e) {
                throw error(
                        at + ".record_marker",
                        "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
        Boolean snake = bool(o, at, "snake_case");
        var mapping = new ObserverSpec.LineMapping(
                snake != null && snake,
                stringMap(o, at, "fields"),
                stringMap(o, at, "used_entities"),
                stringMap(o, at, "generated_entities"),
                recordMarker,
                bool(o, at, "scope_runs"));
        try {
            return new ObserverSpec.LogFile(
                    name,
                    campaign,
                    resolve(f),
                    pattern,
                    string(o, at, "workflow_id"),
                    state == null ? null : resolve(state),
                    poll != null ? poll : Duration.ofSeconds(1),
                    string(o, at, "workflow_name"),
                    mapping);
        } catch (IllegalArgumentException e) {
            throw error(at + (pattern == null ? "" : ".pattern"), e.getMessage());
        }
    }

    private ObserverSpec flowcept(ObjectNode o, String at, String name, String campaign) {
        String redis = string(o, at, "redis");
        if (redis != null && !redis.matches("(?i)rediss?://.+"))
            throw error(at + ".redis", "expected Flowcept's MQ Redis as redis://host:port, got '" + redis + "'");
        var s = new FlowceptSettings(redis, string(o, at, "channel"), null, null);
        String format = string(o, at, "format");
        if (format != null) {
            try {
                s = s.withFormat(FlowceptMessages.Format.valueOf(format.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw error(at + ".format", "expected auto, msgpack or json, got '" + format + "'");
            }
        }
        Duration reconnect = duration(o, at, "reconnect_delay", false);
        if (reconnect != null) s = s.withReconnectDelay(reconnect);
        return new ObserverSpec.Flowcept(name, campaign, s);
    }

    // ------------------------------------------------------------------ values

    private ConfigException error(String key, String what) {
        return new ConfigException(file + ": " + key + ": " + what);
    }

    private ObjectNode object(JsonNode n, String at) {
        if (n instanceof ObjectNode o) return o;
        throw new ConfigException(
                file + ": " + (at.isEmpty() ? "the top level" : at) + ": expected a mapping of keys, got " + kind(n));
    }

    private void checkKeys(ObjectNode o, String at, List<String> allowed) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                String where = at.isEmpty() ? "" : " for " + describe(o, at);
                throw error(
                        at.isEmpty() ? k : at + "." + k,
                        "unknown key; allowed keys" + where + ": " + String.join(", ", allowed));
            }
        }
    }

    private static String describe(ObjectNode o, String at) {
        JsonNode k = o.get("kind");
        return k != null && k.isTextual() ? "kind " + k.asText().toLowerCase(Locale.ROOT) : at;
    }

    private String string(ObjectNode o, String at, String key) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) return null;
        String path = at.isEmpty() ? key : at + "." + key;
        if (!n.isValueNode()) throw error(path, "expected a single value, got " + kind(n));
        String v = substitute(n.asText(), path);
        return v.isBlank() ? null : v;
    }

    private Duration duration(ObjectNode o, String at, String key, boolean zeroAllowed) {
        String path = at.isEmpty() ? key : at + "." + key;
        String v = string(o, at, key);
        if (v == null) return null;
        Duration d;
        try {
            d = Durations.parse(v);
        } catch (IllegalArgumentException e) {
            throw error(path, e.getMessage());
        }
        if (d.isZero() && !zeroAllowed)
            throw error(path, "must be more than 0; expected " + Durations.FORMS + ", got '" + v + "'");
        return d;
    }

    /** A mapping of names to single values ({@code group: target}), or null when absent. */
    private java.util.Map<String, String> stringMap(ObjectNode o, String at, String key) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) return null;
        String path = at.isEmpty() ? key : at + "." + key;
        if (!(n instanceof ObjectNode m)) throw error(path, "expected a mapping like {group: value}, got " + kind(n));
        var out = new java.util.LinkedHashMap<String, String>();
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            String v = string(m, path, k);
            if (v == null) throw error(path + "." + k, "expected a value, got nothing");
            out.put(k, v);
        }
        return out;
    }

    /** A list of single values (or one value), or null when absent. */
    private List<String> strings(ObjectNode o, String at, String key) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) return null;
        String path = at.isEmpty() ? key : at + "." + key;
        if (n.isValueNode()) return List.of(substitute(n.asText(), path));
        if (!n.isArray()) throw error(path, "expected a list of values, got " + kind(n));
        var out = new java.util.ArrayList<String>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isValueNode()) throw error(path + "[" + i + "]", "expected a single value, got " + kind(e));
            out.add(substitute(e.asText(), path + "[" + i + "]"));
        }
        return out;
    }

    private Boolean bool(ObjectNode o, String at, String key) {
        String v = string(o, at, key);
        if (v == null) return null;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error(at.isEmpty() ? key : at + "." + key, "expected true or false, got '" + v + "'");
        };
    }

    private Path resolve(String p) {
        Path path = Path.of(p.startsWith("~/") ? System.getProperty("user.home") + p.substring(1) : p);
        return path.isAbsolute() || baseDir == null
                ? path
                : baseDir.resolve(path).normalize();
    }

    /** {@code ${NAME}}, {@code ${NAME:-default}}, {@code $${} → {@code ${}. */
    String substitute(String value, String path) {
        if (!value.contains("${")) return value;
        Matcher m = VARIABLE.matcher(value);
        var sb = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$${")) replacement = "${";
            else {
                String v = env.apply(m.group(1));
                if (v == null || (v.isEmpty() && m.group(2) != null)) {
                    if (m.group(2) == null)
                        throw error(
                                path,
                                "environment variable " + m.group(1) + " is not set (write ${" + m.group(1)
                                        + ":-default} to give a default)");
                    v = m.group(3);
                }
                replacement = v;
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String kind(JsonNode n) {
        if (n == null) return "nothing";
        return switch (n.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "a mapping";
            case STRING -> "the text '" + n.asText() + "'";
            case NUMBER -> "the number " + n.asText();
            case BOOLEAN -> n.asText();
            case NULL -> "nothing";
            default -> Objects.toString(n.getNodeType()).toLowerCase(Locale.ROOT);
        };
    }
}
