package io.profilekit.redis;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real redis-server (the binary shipped by embedded-redis) on a free port of 127.0.0.1, with its
 * data directory in a temporary folder and the append-only file on. For tests and the benchmark.
 */
public final class TestRedis implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final RedisServer server;

    private TestRedis(int port, Path dir, RedisServer server) {
        this.port = port;
        this.dir = dir;
        this.server = server;
    }

    /** Starts a server with AOF on ({@code appendfsync always}, so a stop loses nothing). */
    public static TestRedis start() {
        return start(true);
    }

    /** Starts a server, with the append-only file on or with no persistence at all (for benchmarks). */
    public static TestRedis start(boolean appendOnly) {
        return start(appendOnly, List.of());
    }

    /**
     * Starts a server with more {@code redis.conf} lines (TLS, cluster mode...); {@code {dir}} in a
     * setting stands for the server's data directory.
     */
    public static TestRedis start(boolean appendOnly, List<String> settings) {
        try {
            int port = freePort();
            Path dir = Files.createTempDirectory("profilekit-redis-");
            RedisServerBuilder builder = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("dir " + dir.toAbsolutePath())
                    .setting(appendOnly ? "appendonly yes" : "appendonly no")
                    .settingIf(appendOnly, "appendfsync always")
                    .setting("save \"\"")
                    .setting("protected-mode yes");
            for (String setting : settings) {
                builder.setting(setting.replace("{dir}", dir.toAbsolutePath().toString()));
            }
            RedisServer server = builder.build();
            server.start();
            return new TestRedis(port, dir, server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A free TCP port on the loopback address (free now; the server takes it right after). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** A new client to this server; the caller closes it. */
    public RedisClient client() {
        return RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", port))
                .clientConfig(DefaultJedisClientConfig.builder().socketTimeoutMillis(10_000)
                        .connectionTimeoutMillis(2_000).build())
                .build();
    }

    public void stop() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the stopped server again, on the same port and data directory. */
    public void restart() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (server.isActive()) {
            stop();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
