package org.mida.observers.mlflow;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the MLflow backend store is and how to poll it.
 *
 * @param jdbcUrl {@code jdbc:sqlite:/path/mlflow.db} or {@code jdbc:postgresql://host:5432/db}
 * @param user database user (PostgreSQL), or null
 * @param password database password, or null
 * @param storeId identifies this store inside workflow ids ({@code mlflow-experiment:<id>@<storeId>}),
 *     so two stores' experiment 1 stay two workflows; default derived from the URL without credentials
 * @param campaignId put on every event when not null
 * @param pollInterval how often a controller should call {@code observe()}
 * @param lookback overlap of the time watermarks (client clocks write MLflow's times)
 * @param reconcileInterval how often one poll looks at every run instead of the recent/active ones
 *     (catches late changes to long-finished runs); zero or negative: never
 * @param metricHistory whether each changed metric's full history goes into {@code custom_metadata}
 * @param dataParams names of params whose value always names data (an entity in {@code used}), whatever
 *     it looks like; default none
 * @param dataSchemes URI schemes (lower case) that make a param value data ({@code s3://b/k}, {@code
 *     models:/m-1}); default {@link #DEFAULT_DATA_SCHEMES}; empty: none
 * @param pathParams whether a param value that is an absolute POSIX path ({@code /data/x.csv}) is data
 *     ({@code file:///data/x.csv}); default true
 * @param listArtifacts whether the files under a run's artifact URI are listed (generated entities)
 *     when that URI is a local directory the observer can read; default true
 * @param maxArtifactFiles at most this many files listed per run (the first in path order); default 1000
 */
public record MlflowSettings(
        String jdbcUrl,
        String user,
        String password,
        String storeId,
        String campaignId,
        Duration pollInterval,
        Duration lookback,
        Duration reconcileInterval,
        boolean metricHistory,
        Set<String> dataParams,
        Set<String> dataSchemes,
        boolean pathParams,
        boolean listArtifacts,
        int maxArtifactFiles) {

    /**
     * The URI schemes whose param values are data by default: object stores and file systems ({@code
     * file s3 s3a s3n gs gcs hdfs abfs abfss wasb wasbs dbfs hf}) and MLflow's own model and artifact URIs
     * ({@code models runs mlflow-artifacts}). Not {@code http(s)}: params often name services, not data.
     */
    public static final Set<String> DEFAULT_DATA_SCHEMES = Set.of(
            "file",
            "s3",
            "s3a",
            "s3n",
            "gs",
            "gcs",
            "hdfs",
            "abfs",
            "abfss",
            "wasb",
            "wasbs",
            "dbfs",
            "hf",
            "models",
            "runs",
            "mlflow-artifacts");

    public static final int DEFAULT_MAX_ARTIFACT_FILES = 1000;

    public MlflowSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:sqlite:") && !jdbcUrl.startsWith("jdbc:postgresql:"))
            throw new IllegalArgumentException(
                    "only SQLite and PostgreSQL MLflow stores are supported, got " + redact(jdbcUrl));
        if (storeId == null || storeId.isBlank()) storeId = defaultStoreId(jdbcUrl);
        if (pollInterval == null) pollInterval = Duration.ofSeconds(5);
        if (lookback == null) lookback = Duration.ofMinutes(2);
        if (reconcileInterval == null) reconcileInterval = Duration.ofMinutes(10);
        dataParams = dataParams == null ? Set.of() : Set.copyOf(dataParams);
        dataSchemes = dataSchemes == null ? DEFAULT_DATA_SCHEMES : lowerCase(dataSchemes);
        if (maxArtifactFiles < 0)
            throw new IllegalArgumentException("maxArtifactFiles must be >= 0, got " + maxArtifactFiles);
    }

    /** The settings of earlier versions: the lineage options at their defaults. */
    public MlflowSettings(
            String jdbcUrl,
            String user,
            String password,
            String storeId,
            String campaignId,
            Duration pollInterval,
            Duration lookback,
            Duration reconcileInterval,
            boolean metricHistory) {
        this(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                null,
                null,
                true,
                true,
                DEFAULT_MAX_ARTIFACT_FILES);
    }

    private static Set<String> lowerCase(Set<String> schemes) {
        var out = new TreeSet<String>();
        for (String s : schemes) {
            Objects.requireNonNull(s, "dataSchemes element");
            out.add(s.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(out);
    }

    /** Defaults for a JDBC URL: 5 s polls, 2 min lookback, reconcile every 10 min, histories on. */
    public static MlflowSettings of(String jdbcUrl) {
        return new MlflowSettings(jdbcUrl, null, null, null, null, null, null, null, true);
    }

    /**
     * From an MLflow tracking URI as given to {@code mlflow.set_tracking_uri}: {@code sqlite:///rel.db},
     * {@code sqlite:////abs/path.db}, {@code postgresql://user:pw@host:5432/db} (also {@code
     * postgresql+psycopg2://…}). A {@code jdbc:} URL is taken as is.
     */
    public static MlflowSettings fromTrackingUri(String uri) {
        Objects.requireNonNull(uri, "uri");
        if (uri.startsWith("jdbc:")) return of(uri);
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("sqlite:///")) {
            String path = uri.substring("sqlite:///".length());
            int q = path.indexOf('?');
            if (q >= 0) path = path.substring(0, q);
            Path p = Path.of(path).toAbsolutePath().normalize(); // "////abs" → "/abs"; "rel.db" → cwd/rel.db
            return of("jdbc:sqlite:" + p);
        }
        if (lower.startsWith("postgresql")) {
            URI u = URI.create(uri.replaceFirst("^[^:]+:", "postgresql:"));
            String user = null, password = null;
            if (u.getRawUserInfo() != null) {
                String[] up = u.getRawUserInfo().split(":", 2);
                user = URLDecoder.decode(up[0], StandardCharsets.UTF_8);
                if (up.length > 1) password = URLDecoder.decode(up[1], StandardCharsets.UTF_8);
            }
            String hostPort = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
            String jdbc = "jdbc:postgresql://" + hostPort + u.getRawPath()
                    + (u.getRawQuery() != null ? "?" + u.getRawQuery() : "");
            return of(jdbc).withCredentials(user, password);
        }
        throw new IllegalArgumentException(
                "unsupported MLflow tracking URI (sqlite:/// or postgresql://): " + redact(uri));
    }

    public MlflowSettings withCredentials(String user, String password) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    public MlflowSettings withStoreId(String v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                v,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    public MlflowSettings withCampaignId(String v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                v,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    public MlflowSettings withPollInterval(Duration v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                v,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    public MlflowSettings withLookback(Duration v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                v,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    public MlflowSettings withReconcileInterval(Duration v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                v,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    public MlflowSettings withMetricHistory(boolean v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                v,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    /** Params whose value always names data, whatever it looks like (e.g. {@code "train_csv"}). */
    public MlflowSettings withDataParams(Set<String> v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                v,
                dataSchemes,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    /** URI schemes that make a param value data; replaces {@link #DEFAULT_DATA_SCHEMES}. */
    public MlflowSettings withDataSchemes(Set<String> v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                v,
                pathParams,
                listArtifacts,
                maxArtifactFiles);
    }

    /** Whether absolute POSIX paths in params are data ({@code file://} entities). */
    public MlflowSettings withPathParams(boolean v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                v,
                listArtifacts,
                maxArtifactFiles);
    }

    /** Whether a local artifact directory is listed (one generated entity per file). */
    public MlflowSettings withListArtifacts(boolean v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                v,
                maxArtifactFiles);
    }

    /** At most this many artifact files per run. */
    public MlflowSettings withMaxArtifactFiles(int v) {
        return new MlflowSettings(
                jdbcUrl,
                user,
                password,
                storeId,
                campaignId,
                pollInterval,
                lookback,
                reconcileInterval,
                metricHistory,
                dataParams,
                dataSchemes,
                pathParams,
                listArtifacts,
                v);
    }

    boolean sqlite() {
        return jdbcUrl.startsWith("jdbc:sqlite:");
    }

    /** {@code sqlite:/abs/mlflow.db} or {@code postgresql://host:5432/db}: no credentials, no options. */
    static String defaultStoreId(String jdbcUrl) {
        String s = jdbcUrl.substring("jdbc:".length());
        int q = s.indexOf('?');
        if (q >= 0) s = s.substring(0, q);
        if (s.startsWith("sqlite:")) {
            String path = s.substring("sqlite:".length());
            if (path.startsWith("file:")) path = path.substring("file:".length());
            if (!path.isEmpty() && !path.startsWith(":memory:"))
                path = Path.of(path).toAbsolutePath().normalize().toString();
            return "sqlite:" + path;
        }
        return s.replaceFirst("//[^@/]*@", "//");
    }

    /** The URL with any password removed, for messages. */
    static String redact(String url) {
        return url.replaceAll("//([^:@/]*):[^@/]*@", "//$1:***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return "MlflowSettings[" + redact(jdbcUrl) + ", store=" + storeId + ", poll=" + pollInterval + "]";
    }
}
