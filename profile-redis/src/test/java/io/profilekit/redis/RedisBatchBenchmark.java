package io.profilekit.redis;

import io.profilekit.Event;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.RecordResult;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
 * in-memory store (the engine's own cost), through the engine on {@link RedisProfileStore}, the same
 * behind a {@link NearCachedProfileStore}, and as a plain Jedis pipeline of one HSET per event on
 * the same users (the ceiling); it prints the rates,
 * their ratios and the load average, since on a shared machine only the ratios mean much.
 * Not a test; run it with
 * <pre>
 * ./mvnw -q -B -pl profile-core,profile-redis test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.profilekit.redis.RedisBatchBenchmark [-Dbench.rounds=3 -Dbench.batches=300 -Dbench.warmup=100]
 *     [-Dbench.writesPerCall=64,128,256] [-Dbench.jfr=/tmp/profile.jfr]
 * </pre>
 * {@code bench.writesPerCall} sets how many users one write script call takes (the store's default
 * when not given); with several values, the rounds take them in turn.
 */
public final class RedisBatchBenchmark {
    static final int USERS = 1_000_000;
    static final int BATCH = 1000;

    public static void main(String[] args) throws Exception {
        int warmup = Integer.getInteger("bench.warmup", 100);
        int batches = Integer.getInteger("bench.batches", 300);
        int rounds = Integer.getInteger("bench.rounds", 3);
        long seed = Long.getLong("bench.seed", 42);
        String jfr = System.getProperty("bench.jfr"); // a file to write a JFR profile of the run to
        int[] writesPerCall = Arrays.stream(System.getProperty("bench.writesPerCall",
                Integer.toString(WriteScript.WRITES_PER_CALL)).split(",")).mapToInt(Integer::parseInt).toArray();
        jdk.jfr.Recording recording = null;
        if (jfr != null) {
            recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            recording.start();
        }
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
        double[] best = new double[4];
        try (TestRedis redis = TestRedis.start(false); RedisClient client = redis.client()) {
            for (int round = 1; round <= rounds; round++) {
                client.flushAll();
                int callSize = writesPerCall[(round - 1) % writesPerCall.length];
                RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix("bench:").writesPerCall(callSize)
                        .build();
                TimedStore timed = new TimedStore(store);
                // counts the near cache's writes to Redis, which run the same script
                TimedStore nearWrites = new TimedStore(RedisProfileStore.builder(client).keyPrefix("near:")
                        .writesPerCall(callSize).build());
                NearCachedProfileStore near = NearCachedProfileStore.builder(nearWrites)
                        .maximumSize(200_000).maxStaleness(Duration.ofSeconds(5)).build();
                long[] nanos = new long[4];
                long trips0 = 0;
                long hits0 = 0;
                Map<String, long[]> stats0 = new java.util.HashMap<>();
                try (ProfileEngine memory = ProfileEngine.builder().reducer(reducer).store(new InMemoryProfileStore()).build();
                     ProfileEngine onRedis = ProfileEngine.builder().reducer(reducer).store(timed).build();
                     ProfileEngine nearCached = ProfileEngine.builder().reducer(reducer).store(near).build()) {
                    // the four lanes take turns batch by batch, so that the machine's other load hits them alike
                    for (int b = 0; b < all.size(); b++) {
                        if (b == warmup) {
                            Arrays.fill(nanos, 0);
                            trips0 = store.roundTrips();
                            hits0 = near.hits();
                            timed.reset();
                            nearWrites.reset();
                            stats0.putAll(commandStats(client));
                        }
                        List<Event> batch = all.get(b);
                        nanos[0] += timed(() -> check(memory.recordAll(batch).join()));
                        nanos[1] += timed(() -> check(onRedis.recordAll(batch).join()));
                        nanos[2] += timed(() -> check(nearCached.recordAll(batch).join()));
                        nanos[3] += timed(() -> {
                            try (AbstractPipeline p = client.pipelined()) {
                                for (Event e : batch) {
                                    p.hset("plain:" + e.userId(), "last_url", e.type());
                                }
                                p.sync();
                            }
                        });
                    }
                }
                double[] rate = new double[4];
                for (int i = 0; i < 4; i++) {
                    rate[i] = events / (nanos[i] / 1e9);
                    best[i] = Math.max(best[i], rate[i]);
                }
                System.out.printf("round %d (load %s, %d users per write script call): in memory %.0f | on Redis %.0f | Redis + near cache %.0f"
                                + " | plain HSET pipeline %.0f events/s%n",
                        round, loadAverage(), callSize, rate[0], rate[1], rate[2], rate[3]);
                System.out.printf("  ratios: Redis/memory %.2f, Redis/plain %.3f; with the near cache: /memory %.2f,"
                                + " /plain %.3f%n", rate[1] / rate[0], rate[1] / rate[3], rate[2] / rate[0],
                        rate[2] / rate[3]);
                System.out.printf("  on Redis: %.1f ms per batch, %.4f round trips/event; time in loadAll %.0f%%,"
                                + " writeAll %.0f%%, the rest %.0f%%; %.0f distinct users per batch;"
                                + " near cache answered %.0f%% of loads%n",
                        nanos[1] / 1e6 / batches, (double) (store.roundTrips() - trips0) / events,
                        100.0 * timed.loadNanos / nanos[1], 100.0 * timed.writeNanos / nanos[1],
                        100.0 * (nanos[1] - timed.loadNanos - timed.writeNanos) / nanos[1],
                        (double) timed.users / batches / 2, 100.0 * (near.hits() - hits0) / (timed.users / 2.0));
                Map<String, long[]> stats = commandStats(client);
                long userWrites = timed.writes + nearWrites.writes;
                System.out.printf("  Redis server time: EVALSHA %s us per user write (with the commands it runs; %s users"
                                + " per call on average), HGET %s us, HSET %s us per call (plain, and inside the script)%n",
                        perUserWrite(stats0, stats, userWrites), usersPerCall(stats0, stats, userWrites),
                        perCall(stats0, stats, "hget"), perCall(stats0, stats, "hset"));
                if (round == rounds) {
                    codecCost(store, all.get(all.size() - 1));
                }
            }
        }
        System.out.printf("best of %d rounds: in memory %.0f, on Redis %.0f, Redis + near cache %.0f, plain HSET pipeline"
                        + " %.0f events/s; Redis/memory %.2f, Redis/plain %.3f, near cache/plain %.3f%n", rounds,
                best[0], best[1], best[2], best[3], best[1] / best[0], best[1] / best[3], best[2] / best[3]);
        System.out.printf("load average at end: %s%n", loadAverage());
        if (recording != null) {
            recording.dump(java.nio.file.Path.of(jfr));
            recording.close();
            System.out.printf("JFR profile written to %s%n", jfr);
        }
    }

    private static long timed(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return System.nanoTime() - t;
    }

    /** Measures the time spent in the store. Single-threaded use. */
    static final class TimedStore implements io.profilekit.spi.ProfileStore {
        final io.profilekit.spi.ProfileStore delegate;
        long loadNanos;
        long writeNanos;
        long users;
        long writes;

        TimedStore(io.profilekit.spi.ProfileStore delegate) {
            this.delegate = delegate;
        }

        void reset() {
            loadNanos = 0;
            writeNanos = 0;
            users = 0;
            writes = 0;
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
                this.writes += writes.size();
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

    /** Per command, the calls and microseconds Redis has counted since it started. */
    private static Map<String, long[]> commandStats(RedisClient client) {
        Matcher m = Pattern.compile("cmdstat_(\\w+):calls=(\\d+),usec=(\\d+)").matcher(client.info("commandstats"));
        Map<String, long[]> out = new java.util.HashMap<>();
        while (m.find()) {
            out.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        return out;
    }

    /** Microseconds per call of a command between two snapshots. */
    private static String perCall(Map<String, long[]> before, Map<String, long[]> after, String command) {
        long[] b = before.getOrDefault(command, new long[2]);
        long[] a = after.getOrDefault(command, new long[2]);
        return a[0] == b[0] ? "?" : String.format("%.2f", (double) (a[1] - b[1]) / (a[0] - b[0]));
    }

    /** Microseconds of EVALSHA per user written between two snapshots (a call writes many users). */
    private static String perUserWrite(Map<String, long[]> before, Map<String, long[]> after, long userWrites) {
        long usec = after.getOrDefault("evalsha", new long[2])[1] - before.getOrDefault("evalsha", new long[2])[1];
        return userWrites == 0 ? "?" : String.format("%.2f", (double) usec / userWrites);
    }

    private static String usersPerCall(Map<String, long[]> before, Map<String, long[]> after, long userWrites) {
        long calls = after.getOrDefault("evalsha", new long[2])[0] - before.getOrDefault("evalsha", new long[2])[0];
        return calls == 0 ? "?" : String.format("%.1f", (double) userWrites / calls);
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
