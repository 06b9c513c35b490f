package io.profilekit.kafka;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real redis-server (the binary shipped by embedded-redis) on a free port of 127.0.0.1, with the
 * append-only file fsynced on every write, so that a stop and a restart lose nothing.
 */
final class TestRedis implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final RedisServer server;

    private TestRedis(int port, Path dir, RedisServer server) {
        this.port = port;
        this.dir = dir;
        this.server = server;
    }

    static TestRedis start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("profilekit-kafka-redis-");
        RedisServer server = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("dir " + dir.toAbsolutePath())
                .setting("appendonly yes")
                .setting("appendfsync always")
                .setting("save \"\"")
                .build();
        server.start();
        return new TestRedis(port, dir, server);
    }

    /** A new client; the caller closes it. Short timeouts, so an outage fails calls fast. */
    RedisClient client() {
        return RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", port))
                .clientConfig(DefaultJedisClientConfig.builder().socketTimeoutMillis(2_000)
                        .connectionTimeoutMillis(1_000).build())
                .build();
    }

    void stop() throws IOException {
        server.stop();
    }

    void restart() throws IOException {
        server.start();
    }

    @Override
    public void close() throws IOException {
        if (server.isActive()) {
            server.stop();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
