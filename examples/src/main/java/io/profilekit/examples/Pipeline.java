package io.profilekit.examples;

import io.profilekit.EngineMetrics;
import io.profilekit.Event;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import io.profilekit.kafka.KafkaEventPublisher;
import io.profilekit.kafka.KafkaProfileProcessor;
import io.profilekit.kafka.ProcessorMetrics;
import io.profilekit.kafka.TopicSetup;
import io.profilekit.redis.RedisProfileStore;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The full pipeline on one machine: application code records a clickstream through Kafka, a
 * consumer group applies it to profiles in Redis with exactly-once effect, and any instance reads
 * them. With no arguments it starts a Kafka broker and a Redis server of its own.
 *
 * <pre>
 * ./mvnw -q -pl examples -am package -DskipTests exec:java -Dexec.mainClass=io.profilekit.examples.Pipeline
 *     [-Dexec.args="--duration 20 --rate 2000 --users 100000
 *                   --bootstrap-servers host:9092 --redis host:6379"]
 * </pre>
 */
public final class Pipeline {
    private Pipeline() {
    }

    static final String USAGE = """
            the full pipeline: a clickstream through Kafka into profiles in Redis, with exactly-once effect
            options (each --name value):
              --bootstrap-servers host:port   your Kafka (default: an embedded broker on 127.0.0.1)
              --redis host:port               your Redis (default: an embedded server on 127.0.0.1)
              --duration seconds              how long to drive events (default 20)
              --rate events/s                 the clickstream's rate (default 2000)
              --users count                   how many users, Zipf-distributed (default 100000)
              --help                          this text""";

    /** The command line: {@code --name value} pairs; null for {@code --help}. */
    record Options(String bootstrapServers, String redis, int durationSeconds, int rate, int users) {
        static Options parse(String[] args) {
            String bootstrap = null;
            String redis = null;
            int duration = 20;
            int rate = 2000;
            int users = 100_000;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--help", "-h" -> {
                        return null;
                    }
                    case "--bootstrap-servers" -> bootstrap = hostPorts(args[i], require(args[i], value), true);
                    case "--redis" -> redis = hostPorts(args[i], require(args[i], value), false);
                    case "--duration" -> duration = positive(args[i], require(args[i], value));
                    case "--rate" -> rate = positive(args[i], require(args[i], value));
                    case "--users" -> users = positive(args[i], require(args[i], value));
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; --help lists them");
                }
                i++;
            }
            return new Options(bootstrap, redis, duration, rate, users);
        }

        private static String require(String name, String value) {
            if (value == null) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return value;
        }

        /** {@code host:port} (several, comma-separated, when {@code many}); a {@code redis://} prefix is allowed for Redis. */
        private static String hostPorts(String name, String value, boolean many) {
            String[] parts = many ? value.split(",", -1) : new String[] {value.replaceFirst("^redis://", "")};
            for (String part : parts) {
                int colon = part.lastIndexOf(':');
                int port = -1;
                if (colon > 0) {
                    try {
                        port = Integer.parseInt(part.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException(name + ": expected host:port" + (many ? "[,host:port...]" : "")
                            + ", got \"" + value + "\"");
                }
            }
            return value;
        }

        private static int positive(String name, String value) {
            int n;
            try {
                n = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": expected a whole number, got \"" + value + "\"");
            }
            if (n < 1) {
                throw new IllegalArgumentException(name + ": expected a number of at least 1, got " + n);
            }
            return n;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            throw e;
        }
        if (o == null) {
            System.out.println(USAGE);
            return;
        }
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            run(o, resources);
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception e) {
                    System.err.println("closing " + resources.get(i) + ": " + e);
                }
            }
        }
    }

    static <T extends AutoCloseable> T closing(List<AutoCloseable> resources, T r) {
        resources.add(r);
        return r;
    }

    /** Connects to {@code --redis host:port}, or starts a Redis server; the client is closed with the resources. */
    static RedisClient redis(String address, List<AutoCloseable> resources) throws Exception {
        if (address == null) {
            long t = System.nanoTime();
            EmbeddedRedis server = closing(resources, EmbeddedRedis.start());
            address = server.address();
            System.out.printf("started Redis on %s in %d ms%n", address, (System.nanoTime() - t) / 1_000_000);
        }
        String hostPort = address.replaceFirst("^redis://", "");
        try {
            RedisClient client = closing(resources, RedisClient.builder().hostAndPort(HostAndPort.from(hostPort)).build());
            client.ping();
            return client;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach Redis at " + hostPort + " (--redis host:port): "
                    + e.getMessage(), e);
        }
    }

    /** Connects to {@code --bootstrap-servers}, or starts a broker; either way creates the topics. */
    static String kafka(String bootstrap, List<AutoCloseable> resources) throws Exception {
        if (bootstrap == null) {
            long t = System.nanoTime();
            EmbeddedKafka broker = closing(resources, EmbeddedKafka.start());
            bootstrap = broker.bootstrapServers();
            System.out.printf("started Kafka (KRaft) on %s in %d ms%n", bootstrap, (System.nanoTime() - t) / 1_000_000);
        }
        List<String> created;
        try {
            created = TopicSetup.builder().partitions(6).build().apply(bootstrap);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot set up the topics on Kafka at " + bootstrap
                    + " (--bootstrap-servers): " + e.getMessage(), e);
        }
        System.out.println("topics created: " + (created.isEmpty() ? "none (they existed)" : created));
        return bootstrap;
    }

    private static void run(Options o, List<AutoCloseable> resources) throws Exception {
        RedisClient redis = redis(o.redis(), resources); // first: a wrong --redis fails before a broker starts
        String bootstrap = kafka(o.bootstrapServers(), resources);
        String prefix = "demo:" + Long.toString(System.currentTimeMillis(), 36) + ":";
        ReadLatency latency = new ReadLatency();

        // instance A applies events from Kafka; instance B (another engine on the same Redis) reads
        ProfileEngine applying = closing(resources, ProfileEngine.builder().reducer(QuickStart.reducer())
                .store(RedisProfileStore.builder(redis).keyPrefix(prefix).build()).listener(latency).build());
        ProfileEngine reading = closing(resources, ProfileEngine.builder().reducer(QuickStart.reducer())
                .store(RedisProfileStore.builder(redis).keyPrefix(prefix).build()).build());
        KafkaProfileProcessor processor = closing(resources, KafkaProfileProcessor.builder()
                .bootstrapServers(bootstrap).groupId("profilekit-demo-" + prefix).engine(applying)
                .consumers(2) // two consumer threads in the group, sharing the engine
                .build()).start();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        KafkaEventPublisher publisher = closing(resources, KafkaEventPublisher.builder().properties(p).build());

        // one hostile record, as a browser tracker with a bug would send: it must land in the DLQ
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap), new StringSerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(KafkaEventPublisher.USER_EVENTS, "u1",
                    "{\"userId\":\"u1\",\"type\":\"page_view\",\"timestamp\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        System.out.println("sent one invalid record (timestamp \"yesterday\") on purpose: it goes to "
                + TopicSetup.DEAD_LETTERS + ", and the stream moves on");

        System.out.printf("driving %d events/s over %d users (Zipf) for %d s%n", o.rate(), o.users(), o.durationSeconds());
        Clickstream stream = new Clickstream(o.users(), 1.0, 42);
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(o.durationSeconds()).toNanos();
        long nextReport = start + 1_000_000_000L;
        long lastReport = start;
        long sent = 0;
        long lastSent = 0;
        long lastApplied = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            long due = (now - start) * o.rate() / 1_000_000_000L; // open loop: the schedule does not wait for Kafka
            for (; sent < due; sent++) {
                Event e = stream.next();
                latency.sent(e.eventId(), System.nanoTime());
                publisher.publish(e).whenComplete((m, err) -> {
                    if (err != null) {
                        failed.incrementAndGet();
                    }
                });
            }
            if (now >= nextReport) {
                ProcessorMetrics m = processor.metrics();
                Histogram h = latency.interval();
                double seconds = (now - lastReport) / 1e9; // rates over the time since the last line, however long
                System.out.printf("%5.1fs  sent %6.0f ev/s  applied %6.0f ev/s  lag %6d  read-after-record p50 %6.2f ms  "
                                + "p99 %6.2f ms%n", (now - start) / 1e9, (sent - lastSent) / seconds,
                        (m.applied() - lastApplied) / seconds, m.lag(),
                        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
                lastSent = sent;
                lastApplied = m.applied();
                lastReport = now;
                nextReport = now + 1_000_000_000L;
            }
            LockSupport.parkNanos(500_000L);
        }
        publisher.flush();
        long drainDeadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (processor.metrics().applied() + processor.metrics().duplicates() < sent - failed.get()
                && System.nanoTime() < drainDeadline) {
            LockSupport.parkNanos(10_000_000L);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        latency.interval();
        summary(o, sent, failed.get(), seconds, processor.metrics(), applying.metrics(), latency.total());
        System.out.println();
        System.out.println("a few profiles, read on instance B (another engine on the same Redis):");
        for (String user : List.of("u0", "u1", "u2")) {
            Profile profile = reading.get(user).orElse(null);
            if (profile == null) {
                continue;
            }
            System.out.println("profile " + user + " (version " + profile.version() + ")");
            profile.attributes().forEach((name, value) -> System.out.printf("  %-20s %s%n", name,
                    value instanceof Double d ? String.format("%.3f", d) : String.valueOf(value)));
        }
    }

    private static void summary(Options o, long sent, long failed, double seconds, ProcessorMetrics m, EngineMetrics e,
                                Histogram latency) {
        System.out.println();
        System.out.printf("sent %d events in %.1f s (%d failed to send); processor: %d records, %d applied, "
                        + "%d duplicates, %d dead-lettered, %d change records, %d batches, %d profile writes%n",
                sent, seconds, failed, m.records(), m.applied(), m.duplicates(), m.deadLettered(), m.changesPublished(),
                m.batches(), e.writes());
        System.out.printf("record-to-readable latency over %d events: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                latency.getTotalCount(), latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0, latency.getValueAtPercentile(99.9) / 1000.0,
                latency.getMaxValue() / 1000.0);
        System.out.printf("store round per batch (engine.applyBatch): p50 %.2f ms, p99 %.2f ms%n",
                e.applyLatencyNanos().p50() / 1e6, e.applyLatencyNanos().p99() / 1e6);
    }
}
