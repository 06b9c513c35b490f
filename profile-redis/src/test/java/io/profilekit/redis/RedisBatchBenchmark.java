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
 * users follow Zipf(1.0) over 1 000 000 users, against a real redis-server on this machine. Each
 * round runs, in this process and one after the other, the same events through the engine on the
 * in-memory store (the engine's own cost), through the engine on {@link RedisProfileStore}, and as
 * a plain Jedis pipeline of one HSET per event on the same users (the ceiling); it prints the rates,
 * their ratios and the load average, since on a shared machine only the ratios mean much.
 * Not a test; run it with
 * <pre>
 * ./mvnw -q -B -pl profile-core,profile-redis test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.profilekit.redis.RedisBatchBenchmark [-Dbench.rounds=3 -Dbench.batches=300 -Dbench.warmup=100]
 * </pre>
 */
public final class RedisBatchBenchmark {
    static final int USERS = 1_000_000;
    static final int BATCH = 1000;

    public static void main(String[] args) throws Exception {
        int warmup = Integer.getInteger("bench.warmup", 100);
        int batches = Integer.getInteger("bench.batches", 300);
        int rounds = Integer.getInteger("bench.rounds", 3);
        long seed = Long.getLong("bench.seed", 42);
        ProfileReducer reducer = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url"))
                        .recent("recent_pages", e.string("url"), 5))
                .on("purchase", (e, p) -> p.increment("purchases").add("revenue", e.decimal("amount"))
                        .max("max_amount", e.decimal("amount")))
                .build();
        Zipf zipf = new Zipf(USERS, 1.0);
        System.out.printf("load average at start: %s; %d rounds of %d warm-up + %d measured batches of %d events,"
                + " Zipf(1.0) over %d users%n", loadAverage(), rounds, warmup, batches, BATCH, USERS);
        List<List<Event>> all = events(zipf, warmup + batches, seed);
        long events = (long) batches * BATCH;
        double bestMemory = 0;
        double bestRedis = 0;
        double bestPlain = 0;
        try (TestRedis redis = TestRedis.start(false); RedisClient client = redis.client()) {
            for (int round = 1; round <= rounds; round++) {
                client.flushAll();
                // 1. the engine on the in-memory store: what the engine costs without any store
                double memoryRate;
                try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(new InMemoryProfileStore()).build()) {
                    memoryRate = events / (run(engine, all, warmup, () -> { }) / 1e9);
                }
                // 2. the same events through the engine on Redis
                RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix("bench:").build();
                TimedStore timed = new TimedStore(store);
                double redisRate;
                long trips;
                long cmds;
                long nanos;
                String evalsha;
                String hget;
                try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(timed).build()) {
                    long[] trips0 = new long[1];
                    nanos = run(engine, all, warmup, () -> {
                        trips0[0] = store.roundTrips();
                        timed.reset();
                        client.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
                    });
                    redisRate = events / (nanos / 1e9);
                    trips = store.roundTrips() - trips0[0];
                    cmds = allCalls(client);
                    evalsha = stat(client, "evalsha", "usec_per_call");
                    hget = stat(client, "hget", "usec_per_call");
                }
                // 3. the ceiling: a plain pipeline of one HSET per event on the same users
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
                double plainRate = events / ((System.nanoTime() - p0) / 1e9);
                String hset = stat(client, "hset", "usec_per_call");

                System.out.printf("round %d (load %s): in memory %.0f events/s | on Redis %.0f events/s, %.1f ms per batch"
                                + " | plain HSET pipeline %.0f events/s | Redis/memory %.2f, Redis/plain %.3f%n",
                        round, loadAverage(), memoryRate, redisRate, nanos / 1e6 / batches, plainRate,
                        redisRate / memoryRate, redisRate / plainRate);
                System.out.printf("  on Redis: %.4f round trips/event, %.3f Redis commands/event (those run inside the"
                                + " script included); time in loadAll %.0f%%, writeAll %.0f%%, the rest %.0f%%;"
                                + " %.0f distinct users per batch%n",
                        (double) trips / events, (double) cmds / events, 100.0 * timed.loadNanos / nanos,
                        100.0 * timed.writeNanos / nanos, 100.0 * (nanos - timed.loadNanos - timed.writeNanos) / nanos,
                        (double) timed.users / batches / 2);
                System.out.printf("  Redis server time per call: EVALSHA %s us (with the commands it runs), HGET %s us,"
                        + " plain HSET %s us%n", evalsha, hget, hset);
                if (round == rounds) {
                    codecCost(store, all.get(warmup + batches - 1));
                }
                bestMemory = Math.max(bestMemory, memoryRate);
                bestRedis = Math.max(bestRedis, redisRate);
                bestPlain = Math.max(bestPlain, plainRate);
            }
        }
        System.out.printf("best of %d rounds: in memory %.0f events/s, on Redis %.0f events/s, plain HSET pipeline %.0f events/s;"
                        + " Redis/memory %.2f, Redis/plain %.3f%n", rounds, bestMemory, bestRedis, bestPlain,
                bestRedis / bestMemory, bestRedis / bestPlain);
        System.out.printf("load average at end: %s%n", loadAverage());
    }

    /** Warms the engine on the first batches, then returns the nanoseconds the others take. */
    private static long run(ProfileEngine engine, List<List<Event>> all, int warmup, Runnable measuring) {
        for (int b = 0; b < warmup; b++) {
            check(engine.recordAll(all.get(b)).join());
        }
        measuring.run();
        long t0 = System.nanoTime();
        for (int b = warmup; b < all.size(); b++) {
            check(engine.recordAll(all.get(b)).join());
        }
        return System.nanoTime() - t0;
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
