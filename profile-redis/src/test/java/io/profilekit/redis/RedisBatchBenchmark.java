package io.profilekit.redis;

import io.profilekit.Event;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.RecordResult;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * End-to-end throughput of {@link ProfileEngine#recordAll} on Redis: batches of 1000 events whose
 * users follow Zipf(1.0) over 1 000 000 users, against a real redis-server on this machine; then,
 * in the same run and on the same keys, a plain Jedis pipeline of one HSET per event as the ceiling.
 * Not a test; run it with
 * <pre>
 * ./mvnw -q -B -pl profile-redis test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.profilekit.redis.RedisBatchBenchmark [-Dbench.batches=300 -Dbench.warmup=100]
 * </pre>
 */
public final class RedisBatchBenchmark {
    static final int USERS = 1_000_000;
    static final int BATCH = 1000;

    public static void main(String[] args) throws Exception {
        int warmup = Integer.getInteger("bench.warmup", 100);
        int batches = Integer.getInteger("bench.batches", 300);
        long seed = Long.getLong("bench.seed", 42);
        ProfileReducer reducer = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url"))
                        .recent("recent_pages", e.string("url"), 5))
                .on("purchase", (e, p) -> p.increment("purchases").add("revenue", e.decimal("amount"))
                        .max("max_amount", e.decimal("amount")))
                .build();
        Zipf zipf = new Zipf(USERS, 1.0);
        System.out.printf("load average at start: %s%n", loadAverage());
        List<List<Event>> all = events(zipf, warmup + batches, seed);
        double memoryRate;
        try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(new InMemoryProfileStore()).build()) {
            for (int b = 0; b < warmup; b++) {
                check(engine.recordAll(all.get(b)).join());
            }
            long t0 = System.nanoTime();
            for (int b = warmup; b < warmup + batches; b++) {
                check(engine.recordAll(all.get(b)).join());
            }
            memoryRate = (long) batches * BATCH / ((System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("engine.recordAll in memory, same events: %.0f events/s%n", memoryRate);
        try (TestRedis redis = TestRedis.start(false); RedisClient client = redis.client()) {
            RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix("bench:").build();
            TimedStore timed = new TimedStore(store);
            try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(timed).build()) {
                for (int b = 0; b < warmup; b++) {
                    check(engine.recordAll(all.get(b)).join());
                }
                long trips0 = store.roundTrips();
                timed.reset();
                long cmds0 = allCalls(client);
                long t0 = System.nanoTime();
                for (int b = warmup; b < warmup + batches; b++) {
                    check(engine.recordAll(all.get(b)).join());
                }
                long nanos = System.nanoTime() - t0;
                long events = (long) batches * BATCH;
                long trips = store.roundTrips() - trips0;
                long cmds = allCalls(client) - cmds0;
                double engineRate = events / (nanos / 1e9);
                System.out.printf("engine.recordAll on Redis: %d events in %d batches of %d, Zipf(1.0) over %d users%n",
                        events, batches, BATCH, USERS);
                System.out.printf("  %.0f events/s, %.1f ms per batch, %.4f round trips/event,"
                                + " %.3f Redis commands/event (counting those run inside the script)%n",
                        engineRate, nanos / 1e6 / batches, (double) trips / events, (double) cmds / events);

                System.out.printf("  time in store.loadAll %.0f%%, store.writeAll %.0f%%, the rest (validate, reduce, merge) %.0f%%;"
                                + " %.0f distinct users per batch%n",
                        100.0 * timed.loadNanos / nanos, 100.0 * timed.writeNanos / nanos,
                        100.0 * (nanos - timed.loadNanos - timed.writeNanos) / nanos, (double) timed.users / batches / 2);
                System.out.printf("  Redis server time per call: EVALSHA %s us (the commands it runs included), HGET %s us%n",
                        stat(client, "evalsha", "usec_per_call"), stat(client, "hget", "usec_per_call"));
                codecCost(store, all.get(warmup + batches - 1));

                client.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
                long p0 = System.nanoTime();
                for (int b = warmup; b < warmup + batches; b++) {
                    try (AbstractPipeline p = client.pipelined()) {
                        for (Event e : all.get(b)) {
                            p.hset("plain:" + e.userId(), "last_url", e.type());
                        }
                        p.sync();
                    }
                }
                long plainNanos = System.nanoTime() - p0;
                double plainRate = events / (plainNanos / 1e9);
                System.out.printf("plain Jedis pipeline, one HSET per event, same batches and users: %.0f events/s%n",
                        plainRate);
                System.out.printf("  Redis server time per call: HSET %s us%n", stat(client, "hset", "usec_per_call"));
                System.out.printf("ratio engine on Redis / plain pipeline: %.2f; engine on Redis / engine in memory: %.2f%n",
                        engineRate / plainRate, engineRate / memoryRate);
                System.out.printf("distinct users touched: %d keys in Redis%n", client.dbSize() / 2);
                System.out.printf("load average at end: %s%n", loadAverage());
            }
        }
    }

    /** Measures the time spent in the store. Single-threaded use. */
    static final class TimedStore implements io.profilekit.spi.ProfileStore {
        final io.profilekit.spi.ProfileStore delegate;
        long loadNanos;
        long writeNanos;
        long users;

        TimedStore(io.profilekit.spi.ProfileStore delegate) {
            this.delegate = delegate;
        }

        void reset() {
            loadNanos = 0;
            writeNanos = 0;
            users = 0;
        }

        @Override
        public Map<String, io.profilekit.spi.ProfileState> loadAll(java.util.Collection<String> ids) {
            long t = System.nanoTime();
            try {
                return delegate.loadAll(ids);
            } finally {
                loadNanos += System.nanoTime() - t;
                users += ids.size();
            }
        }

        @Override
        public List<io.profilekit.spi.WriteOutcome> writeAll(List<io.profilekit.spi.ProfileWrite> writes) {
            long t = System.nanoTime();
            try {
                return delegate.writeAll(writes);
            } finally {
                writeNanos += System.nanoTime() - t;
                users += writes.size();
            }
        }

        @Override
        public void erase(String userId, Instant erasedAt) {
            delegate.erase(userId, erasedAt);
        }
    }

    private static void check(List<RecordResult> results) {
        for (RecordResult r : results) {
            if (!r.applied()) {
                throw new IllegalStateException("event not applied: " + r);
            }
        }
    }

    /** The Java-side cost of the JSON codec on the states of one batch's users, as stored now. */
    private static void codecCost(RedisProfileStore store, List<Event> batch) {
        List<String> users = batch.stream().map(Event::userId).distinct().toList();
        List<io.profilekit.spi.ProfileState> states = new ArrayList<>(store.loadAll(users).values());
        long bytes = 0;
        for (io.profilekit.spi.ProfileState s : states) {
            bytes += io.profilekit.spi.ProfileStateCodec.encode(s).length;
        }
        long t = System.nanoTime();
        int rounds = 20;
        for (int r = 0; r < rounds; r++) {
            for (io.profilekit.spi.ProfileState s : states) {
                io.profilekit.spi.ProfileStateCodec.decode(io.profilekit.spi.ProfileStateCodec.encode(s));
            }
        }
        double micros = (System.nanoTime() - t) / 1e3 / rounds / states.size();
        System.out.printf("  codec: %.1f us per state to encode and decode, %.0f bytes per state on average"
                + " (%.1f ms of each batch)%n", micros, (double) bytes / states.size(), micros * states.size() / 1e3);
    }

    private static String loadAverage() {
        try {
            return String.join(" ", java.util.Arrays.copyOf(
                    java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" "), 3));
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String stat(RedisClient client, String command, String field) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":.*?" + field + "=([0-9.]+)").matcher(client.info("commandstats"));
        return m.find() ? m.group(1) : "?";
    }

    /** Commands Redis ran, those run inside scripts included, less the INFO calls that ask. */
    private static long allCalls(RedisClient client) {
        Matcher m = Pattern.compile("cmdstat_(\\w+):calls=(\\d+)").matcher(client.info("commandstats"));
        long sum = 0;
        while (m.find()) {
            sum += m.group(1).equals("info") ? 0 : Long.parseLong(m.group(2));
        }
        return sum;
    }

    private static List<List<Event>> events(Zipf zipf, int batches, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Instant base = Instant.now().minusSeconds(3600);
        List<List<Event>> out = new ArrayList<>(batches);
        long n = 0;
        for (int b = 0; b < batches; b++) {
            List<Event> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++, n++) {
                String user = "u" + zipf.sample(random);
                Instant at = base.plusMillis(n / 100);
                if (random.nextInt(10) == 0) {
                    batch.add(new Event("e" + n, user, "purchase", at, Optional.empty(), Map.of("order_id", "o" + n,
                            "amount", BigDecimal.valueOf(random.nextInt(1, 50_000), 2), "currency", "EUR")));
                } else {
                    batch.add(new Event("e" + n, user, "page_view", at, Optional.empty(),
                            Map.of("url", "/p/" + random.nextInt(500))));
                }
            }
            out.add(batch);
        }
        return out;
    }

    /** Zipf(s) over 1..n by inverse CDF. */
    static final class Zipf {
        private final double[] cdf;

        Zipf(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int k = 1; k <= n; k++) {
                sum += 1.0 / Math.pow(k, s);
                cdf[k - 1] = sum;
            }
            for (int k = 0; k < n; k++) {
                cdf[k] /= sum;
            }
        }

        int sample(SplittableRandom random) {
            int i = java.util.Arrays.binarySearch(cdf, random.nextDouble());
            return (i >= 0 ? i : -i - 1) + 1;
        }
    }
}
