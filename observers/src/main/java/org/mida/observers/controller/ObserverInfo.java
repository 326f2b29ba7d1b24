package org.mida.observers.controller;

import java.util.Map;
import java.util.Objects;

/**
 * How an observer is named in logs and status reports, when {@link Observer#name()} is not enough
 * (two log files, two MLflow stores in one process).
 *
 * <pre>{@code
 * controller.register(ObserverInfo.of("microscope", "logfile"), observer, ObserverSettings.polling(Duration.ofSeconds(1)));
 * }</pre>
 *
 * @param name unique within its controller; the last part of the report's {@code observer_id}
 * @param kind what sort of observer it is ({@code mlflow}, {@code logfile}, {@code flowcept}, …)
 * @param metadata sent as the reports' {@code custom_metadata} (where it reads from, say); no secrets
 */
public record ObserverInfo(String name, String kind, Map<String, Object> metadata) {

    public ObserverInfo {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("an observer needs a name");
        if (kind == null || kind.isBlank()) kind = name;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public static ObserverInfo of(String name, String kind) {
        return new ObserverInfo(name, kind, null);
    }

    /** From the observer itself: its {@link Observer#name()}, the kind being that name up to a {@code ':'}. */
    public static ObserverInfo of(Observer observer) {
        String name = Objects.requireNonNull(observer, "observer").name();
        int colon = name.indexOf(':');
        return of(name, colon > 0 ? name.substring(0, colon) : name);
    }

    public ObserverInfo withMetadata(Map<String, Object> v) {
        return new ObserverInfo(name, kind, v);
    }
}
