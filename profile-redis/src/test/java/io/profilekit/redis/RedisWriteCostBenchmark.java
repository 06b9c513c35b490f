package io.profilekit.redis;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What one profile write costs the Redis server, as the redis-server process's CPU time (reading
 * requests and writing replies included, not just command time), for four shapes of write: the
 * store's compare-and-set script; a one-command script variant ({@code SET key state PX ttl GET},
 * the check in Lua, the old value put back on conflict); and, with no check at all, a plain
 * {@code HSET} + {@code PEXPIRE} and a plain {@code SET PX}. 20,000 users, 750-byte states, 64 users
 * per script call, all in one pipeline, three passes per shape, six rounds in turn.
 *
 * <p>Run: {@code ./mvnw -q -B -pl profile-core,profile-redis test-compile exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=io.profilekit.redis.RedisWriteCostBenchmark}.
 */
public final class RedisWriteCostBenchmark {
    static final String ONE_COMMAND_SCRIPT = """
            local codes = {}
            for k = 1, #KEYS do
              local a = (k - 1) * 3
              local old = redis.call('SET', KEYS[k], ARGV[a + 2], 'PX', ARGV[a + 3], 'GET')
              codes[k] = 0
              if old then
                if string.match(old, '^(%d+)|') ~= ARGV[a + 1] then
                  redis.call('SET', KEYS[k], old, 'KEEPTTL')
                  codes[k] = 1
                end
              elseif ARGV[a + 1] ~= '0' then
                redis.call('DEL', KEYS[k])
                codes[k] = 1
              end
            end
            return codes
            """;

    private RedisWriteCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int users = 20_000;
        int perCall = 64;
        byte[] state = new byte[750];
        Arrays.fill(state, (byte) 'x');
        byte[] ttl = "86400000".getBytes(StandardCharsets.US_ASCII);
        try (TestRedis redis = TestRedis.start(false); RedisClient client = redis.client()) {
            // the one redis-server this JVM started
            List<ProcessHandle> servers = ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false)).toList();
            if (servers.size() != 1) {
                throw new IllegalStateException("expected one redis-server started by this JVM, found " + servers.size());
            }
            ProcessHandle server = servers.get(0);
            byte[] casSha = ascii(client.scriptLoad(WriteScript.WRITE_SCRIPT));
            byte[] oneSha = ascii(client.scriptLoad(ONE_COMMAND_SCRIPT));
            for (int round = 1; round <= 6; round++) {
                StringBuilder line = new StringBuilder("round " + round + ":");
                for (String shape : List.of("script", "one-command script", "plain HSET+PEXPIRE", "plain SET PX")) {
                    client.flushAll();
                    Duration before = cpu(server);
                    for (long version = 0; version < 3; version++) {
                        try (AbstractPipeline p = client.pipelined()) {
                            for (int from = 0; from < users; from += perCall) {
                                List<byte[]> keys = new ArrayList<>(perCall);
                                List<byte[]> argv = new ArrayList<>(perCall * 11);
                                for (int u = from; u < from + perCall; u++) {
                                    byte[] key = ("pk:user-" + u).getBytes(StandardCharsets.US_ASCII);
                                    keys.add(key);
                                    byte[] fence = Long.toString(version * 100_000 + u).getBytes(StandardCharsets.US_ASCII);
                                    switch (shape) {
                                        case "script" -> argv.addAll(List.of(ascii(version), ascii(version + 1), state, ttl,
                                                ascii("e13:user-events-0"), ascii(1), ascii(1), ascii("f:user-events-0"),
                                                fence, ascii("f:user-events-0"), fence));
                                        case "one-command script" -> {
                                            byte[] header = ascii((version + 1) + "|user-events-0:" + new String(fence,
                                                    StandardCharsets.US_ASCII) + "|");
                                            byte[] value = Arrays.copyOf(header, header.length + state.length);
                                            System.arraycopy(state, 0, value, header.length, state.length);
                                            argv.addAll(List.of(ascii(version), value, ttl));
                                        }
                                        case "plain HSET+PEXPIRE" -> {
                                            p.hset(key, Map.of(ascii("s"), state, ascii("v"), ascii(version + 1),
                                                    ascii("f:user-events-0"), fence));
                                            p.pexpire(key, 86_400_000L);
                                        }
                                        default -> p.set(key, state, SetParams.setParams().px(86_400_000L));
                                    }
                                }
                                if (shape.equals("script")) {
                                    p.evalsha(casSha, keys, argv);
                                } else if (shape.equals("one-command script")) {
                                    p.evalsha(oneSha, keys, argv);
                                }
                            }
                            p.sync();
                        }
                    }
                    double micros = cpu(server).minus(before).toNanos() / 1000.0 / (3.0 * users);
                    line.append(String.format("  %s %.2f µs", shape, micros));
                }
                System.out.println(line + " of redis-server CPU per user write");
            }
        }
    }

    private static Duration cpu(ProcessHandle p) {
        return p.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time for " + p.pid()));
    }

    private static byte[] ascii(Object o) {
        return String.valueOf(o).getBytes(StandardCharsets.US_ASCII);
    }
}
