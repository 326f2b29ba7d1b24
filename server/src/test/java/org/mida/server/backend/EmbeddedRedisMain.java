package org.mida.server.backend;

import java.nio.file.Path;

/**
 * Starts an {@link EmbeddedRedis} and blocks, for tests that kill this JVM. Arguments: dir, port.
 * Prints {@code READY <port> <redis pid>} once Redis answers.
 */
public final class EmbeddedRedisMain {

    private EmbeddedRedisMain() {}

    public static void main(String[] args) throws InterruptedException {
        EmbeddedRedis redis = EmbeddedRedis.start(Path.of(args[0]), Integer.parseInt(args[1]));
        System.out.println("READY " + redis.port() + " " + redis.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
