package io.profilekit.examples;

import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A real redis-server (the binary shipped by embedded-redis) on a free port of 127.0.0.1, no persistence. */
public final class EmbeddedRedis implements AutoCloseable {
    private final RedisServer server;
    private final Path dir;
    private final int port;

    private EmbeddedRedis(RedisServer server, Path dir, int port) {
        this.server = server;
        this.dir = dir;
        this.port = port;
    }

    public static EmbeddedRedis start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("profilekit-demo-redis-");
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("dir " + dir.toAbsolutePath()).setting("appendonly no").setting("save \"\"").build();
        server.start();
        return new EmbeddedRedis(server, dir, port);
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException {
        server.stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
