package org.mida.observers.controller;

/** The project version, as the jar's manifest names it ({@code Implementation-Version}). */
public final class Versions {

    private static final String PROJECT = read();

    private Versions() {}

    /** e.g. {@code 0.1.0-SNAPSHOT}; {@code dev} when run from classes rather than a jar. */
    public static String project() {
        return PROJECT;
    }

    private static String read() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }
}
