package io.profilekit.redis;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
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
            return start(freePort(), appendOnly, settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a node in cluster mode, on a free port whose cluster bus port (the port + 10,000, fixed
     * in this Redis version) is free too.
     */
    public static TestRedis startClusterNode() {
        try {
            for (int attempt = 0; attempt < 100; attempt++) {
                int port = freePort();
                if (port + 10_000 <= 65_535 && isFree(port + 10_000)) {
                    return start(port, false, List.of("cluster-enabled yes", "cluster-config-file {dir}/nodes.conf",
                            "cluster-node-timeout 5000"));
                }
            }
            throw new IllegalStateException("no free port pair (port, port + 10000) found on 127.0.0.1");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends a command Jedis has no typed method for here ({@code ACL SETUSER}, {@code CLUSTER ...}):
     * {@code sendCommand} is deprecated in Jedis 8 for the typed methods, which these lack.
     */
    @SuppressWarnings("deprecation")
    static Object command(UnifiedJedis client, String command, String... args) {
        return client.sendCommand(() -> command.getBytes(java.nio.charset.StandardCharsets.UTF_8), args);
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return s.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    private static TestRedis start(int port, boolean appendOnly, List<String> settings) {
        try {
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
