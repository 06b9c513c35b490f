package io.profilekit.examples;

import io.profilekit.Event;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.JsonEventCodec;
import io.profilekit.ProfileEngine;
import io.profilekit.kafka.KafkaEventPublisher;
import io.profilekit.kafka.KafkaProfileProcessor;
import io.profilekit.kafka.ProcessorMetrics;
import io.profilekit.kafka.TopicSetup;
import io.profilekit.redis.RedisProfileStore;
import io.profilekit.spi.ProfileStore;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import redis.clients.jedis.RedisClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end pipeline numbers in one run (a harness, not a test): pre-produces {@code --events} JSON
 * events (Zipf(1.0) over {@code --users} users) to a topic, then
 * <ol>
 *   <li>the ceiling: a bare consumer that reads the topic and only decodes the JSON;</li>
 *   <li>the pipeline: {@link KafkaProfileProcessor} with {@code --consumers} consumer threads (default
 *       1) applying the same records to profiles in Redis with exactly-once effect (fences, dedupe,
 *       conditional writes, offset commits, change records);</li>
 *   <li>the sustained rate: the highest open-loop rate the pipeline keeps up with while the events
 *       are produced at the same time (bisection on the consumer lag);</li>
 *   <li>record-to-readable latency at half the sustained rate (or at each fraction of it that
 *       {@code --loads} lists, such as {@code 0.25,0.5}): open loop, constant rate, HdrHistogram,
 *       with each second's figures and the consumer lag printed as it goes; before each, its baseline:
 *       the way through Kafka alone at the same rate (the same publisher, a bare consumer).</li>
 * </ol>
 * Broker, Redis, producer and processor all run on this machine (and the broker in this JVM).
 * Before (a) and (b), both run once over {@code --warmup-events} other events (default 200,000;
 * 0 for none), so that the ratio compares warm code with warm code.
 * With broker, Redis and processor sharing two cores, {@code --consumers 2} measured no better
 * than 1: the cores, not the waiting for Redis, were the limit (more consumers are meant for a
 * remote store or spare cores, which this harness does not measure).
 *
 * <pre>
 * ./mvnw -q -pl examples -am package -DskipTests exec:java -Dexec.mainClass=io.profilekit.examples.PipelineBenchmark \
 *     [-Dexec.args="--events 1000000 --users 1000000 --latency-seconds 15 --warmup-events 200000 --consumers 1"]
 * </pre>
 */
public final class PipelineBenchmark {
    private static final String TOPIC = "bench-events";
    private static final String WARMUP_TOPIC = "bench-warmup";

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int events = 1_000_000;
        int users = 1_000_000;
        int latencySeconds = 15;
        int warmupEvents = 200_000;
        int partitions = 6;
        String bootstrap = null;
        String redisAddress = null;
        boolean memory = false;
        boolean updates = true;
        int consumers = 1;
        double[] loads = {0.5};
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--events" -> events = Integer.parseInt(args[i + 1]);
                case "--users" -> users = Integer.parseInt(args[i + 1]);
                case "--latency-seconds" -> latencySeconds = Integer.parseInt(args[i + 1]);
                case "--warmup-events" -> warmupEvents = Integer.parseInt(args[i + 1]);
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                case "--bootstrap-servers" -> bootstrap = args[i + 1];
                case "--redis" -> redisAddress = args[i + 1];
                case "--store" -> memory = args[i + 1].equals("memory");
                case "--change-records" -> updates = Boolean.parseBoolean(args[i + 1]);
                case "--consumers" -> consumers = Integer.parseInt(args[i + 1]);
                case "--loads" -> loads = Arrays.stream(args[i + 1].split(",")).mapToDouble(Double::parseDouble).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            String servers = Pipeline.kafka(bootstrap, resources);
            TopicSetup.builder().partitions(partitions).eventTopics(List.of(TOPIC, WARMUP_TOPIC)).build().apply(servers);
            RedisClient redis = memory ? null : Pipeline.redis(redisAddress, resources);
            run(servers, redis, events, users, latencySeconds, loads, warmupEvents, updates, consumers, resources);
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception e) {
                    System.err.println("closing: " + e);
                }
            }
        }
    }

    private static void run(String servers, RedisClient redis, int events, int users, int latencySeconds, double[] loads,
                            int warmupEvents, boolean updates, int consumers, List<AutoCloseable> resources)
            throws Exception {
        JsonEventCodec codec = JsonEventCodec.create();
        Clickstream stream = new Clickstream(users, 1.0, 7);
        if (warmupEvents > 0) {
            // the same work, on other records, for both the ceiling and the pipeline: JIT, connections, pools
            produce(servers, codec, WARMUP_TOPIC, new Clickstream(users, 1.0, 11), warmupEvents);
            ceiling(servers, codec, WARMUP_TOPIC, "bench-ceiling-warmup", warmupEvents, false);
            ProfileStore warmStore = redis == null ? new InMemoryProfileStore()
                    : RedisProfileStore.builder(redis).keyPrefix("bench-warmup:" + Long.toString(System.currentTimeMillis(), 36)
                    + ":").build();
            ProfileEngine warmEngine = ProfileEngine.builder().reducer(QuickStart.reducer()).store(warmStore).build();
            pipeline(servers, warmEngine, WARMUP_TOPIC, "bench-pipeline-warmup", warmupEvents, updates, consumers,
                    false);
            warmEngine.close();
            System.out.printf("warmed up on %,d other events (ceiling and pipeline alike)%n", warmupEvents);
        }
        produce(servers, codec, TOPIC, stream, events);

        // (a) the ceiling: read and decode only
        double ceiling = ceiling(servers, codec, TOPIC, "bench-ceiling", events, true);

        // (b) the pipeline into Redis (or memory)
        String prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + ":";
        ProfileStore store = redis == null ? new InMemoryProfileStore()
                : RedisProfileStore.builder(redis).keyPrefix(prefix).build();
        ProfileEngine engine = ProfileEngine.builder().reducer(QuickStart.reducer()).store(store).build();
        double pipeline = pipeline(servers, engine, TOPIC, "bench-pipeline", events, updates, consumers, true);
        System.out.printf("(b) pipeline, exactly-once into " + (redis == null ? "memory" : "Redis")
                + (updates ? "" : ", no change records") + ", %d consumer%s: %,.0f events/s (applyBatch p50 %.1f ms, "
                + "p99 %.1f ms)%n", consumers, consumers == 1 ? "" : "s", pipeline, engine.metrics().applyLatencyNanos().p50() / 1e6,
                engine.metrics().applyLatencyNanos().p99() / 1e6);
        System.out.printf("ratio pipeline / ceiling: %.0f %%%n", 100 * pipeline / ceiling);
        engine.close();

        // (c) with the producer running: the sustained rate, then the latency at fractions of it,
        // each on a new processor of the same group (the latency runs' engines time each event)
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (KafkaEventPublisher publisher = KafkaEventPublisher.builder().properties(p).defaultTopic(TOPIC)
                .route("purchase", TOPIC).build()) {
            // (b) read a topic filled beforehand; with the producer and the broker's appends running
            // too, on the same cores, the pipeline keeps up with less: the loads are fractions of that
            double sustained;
            try (ProfileEngine searching = ProfileEngine.builder().reducer(QuickStart.reducer()).store(store).build();
                 KafkaProfileProcessor processor = joined(servers, searching, updates, consumers)) {
                sustained = sustained(publisher, processor, stream, pipeline);
            }
            System.out.printf("(c) sustained with the producer running: %,.0f events/s (%.0f %% of (b)); ratio to the"
                    + " ceiling %.0f %%%n", sustained, 100 * sustained / pipeline, 100 * sustained / ceiling);
            for (double load : loads) {
                int rate = (int) Math.max(1, sustained * load);
                kafkaAlone(servers, stream, rate, load, latencySeconds);
                ReadLatency latency = new ReadLatency();
                try (ProfileEngine timed = ProfileEngine.builder().reducer(QuickStart.reducer()).store(store)
                        .listener(latency).build();
                     KafkaProfileProcessor processor = joined(servers, timed, updates, consumers)) {
                    latencyRun(publisher, processor, latency, stream, rate, load, latencySeconds, consumers);
                    // the event time is when the event was made, just before it was sent: the lag at
                    // apply is the way through Kafka (publisher, broker, consumer), applyBatch the way into Redis
                    // (over the whole run: the first seconds after a join weigh on the tail, so medians only)
                    System.out.printf("    split: sent to apply p50 %.2f ms; applyBatch p50 %.2f ms (this run, warm-up"
                                    + " included)%n", timed.metrics().eventLagNanos().p50() / 1e6,
                            timed.metrics().applyLatencyNanos().p50() / 1e6);
                }
            }
        }
    }

    /**
     * A processor of the benchmark's group on {@code engine}, started and joined: a join takes
     * seconds, and records sent meanwhile would be measured as a backlog draining.
     */
    private static KafkaProfileProcessor joined(String servers, ProfileEngine engine, boolean updates, int consumers) {
        KafkaProfileProcessor processor = KafkaProfileProcessor.builder().bootstrapServers(servers)
                .groupId("bench-pipeline").topics(List.of(TOPIC)).engine(engine).consumers(consumers)
                .updatesTopic(updates ? Optional.of(TopicSetup.PROFILE_UPDATES) : Optional.empty()).build().start();
        long joinDeadline = System.nanoTime() + 60_000_000_000L;
        while (processor.metrics().assignedPartitions() == 0 && System.nanoTime() < joinDeadline) {
            LockSupport.parkNanos(10_000_000L);
        }
        if (processor.metrics().assignedPartitions() == 0) {
            processor.close();
            throw new IllegalStateException("a processor of the benchmark got no partition in 60 s");
        }
        return processor;
    }

    /**
     * The highest rate, open loop, that the processor keeps up with while the events are being
     * produced: a bisection between 0 and {@code upper} (the rate on a filled topic), five steps of
     * 8 s each. The consumer lag is sampled every 100 ms; a rate is kept up with when the mean lag
     * of the last 2 s exceeds that of seconds 2 to 4 by less than a tenth of a second's events (an
     * overloaded pipeline's lag grows by the shortfall every second) and stays under half a second's.
     */
    private static double sustained(KafkaEventPublisher publisher, KafkaProfileProcessor processor, Clickstream stream,
                                    double upper) {
        double lo = 0;
        double hi = upper;
        double rate = upper * 0.7;
        for (int step = 0; step < 5; step++) {
            long early = 0;
            long late = 0;
            int samples = 0;
            long begin = System.nanoTime();
            long sent = 0;
            long nextSample = begin + 2_000_000_000L;
            for (long now = begin; now < begin + 8_000_000_000L; now = System.nanoTime()) {
                long due = (long) ((now - begin) * rate / 1e9);
                for (; sent < due; sent++) {
                    publisher.publish(stream.next());
                }
                if (now >= nextSample) {
                    long second = (now - begin) / 1_000_000_000L;
                    if (second < 4) {
                        early += processor.metrics().lag();
                        samples++;
                    } else if (second >= 6) {
                        late += processor.metrics().lag();
                    }
                    nextSample += 100_000_000L;
                }
                LockSupport.parkNanos(1_000_000L);
            }
            double earlyMean = early / (double) Math.max(1, samples);
            double lateMean = late / (double) Math.max(1, samples);
            boolean kept = lateMean - earlyMean < rate / 10 && lateMean < rate / 2;
            System.out.printf("  %,8.0f events/s: mean lag %,.0f at 2-4 s, %,.0f at 6-8 s -> %s%n", rate, earlyMean,
                    lateMean, kept ? "kept up" : "fell behind");
            if (kept) {
                lo = rate;
            } else {
                hi = rate;
            }
            rate = (lo + hi) / 2;
            publisher.flush();
            long drain = System.nanoTime() + 60_000_000_000L;
            while (processor.metrics().lag() > 0 && System.nanoTime() < drain) {
                LockSupport.parkNanos(10_000_000L);
            }
        }
        return Math.max(lo, 1);
    }

    /**
     * The baseline of the latency runs: the way through Kafka alone at {@code rate}, from send to a
     * bare consumer's poll (the publisher's settings, {@code read_committed} as the processor reads),
     * on another topic, with the processor idle. Millisecond resolution (record timestamps).
     */
    private static void kafkaAlone(String servers, Clickstream stream, int rate, double load, int seconds)
            throws InterruptedException {
        Histogram h = new Histogram(3);
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                    ConsumerConfig.GROUP_ID_CONFIG, "bench-kafka-alone-" + System.nanoTime(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(WARMUP_TOPIC));
                while (consumer.assignment().isEmpty() && !stop.get()) {
                    consumer.poll(Duration.ofMillis(100));
                }
                consumer.assignment().forEach(consumer::position); // the end offsets, before anything is sent
                ready.countDown();
                while (!stop.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        long ms = Math.max(1, System.currentTimeMillis() - r.timestamp());
                        synchronized (h) {
                            h.recordValue(ms * 1000);
                        }
                        received.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                failed.set(t);
                ready.countDown();
            }
        }, "bench-kafka-alone");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!ready.await(60, java.util.concurrent.TimeUnit.SECONDS) || failed.get() != null) {
                throw new IllegalStateException("the Kafka-alone consumer did not start in 60 s", failed.get());
            }
            long sent = sendAlone(servers, stream, rate, seconds, h);
            long deadline = System.nanoTime() + 10_000_000_000L; // the last records' way through
            while (received.get() < sent && failed.get() == null && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000L);
            }
        } finally {
            stop.set(true);
            reader.join(10_000);
        }
        if (failed.get() != null) {
            throw new IllegalStateException("the Kafka-alone consumer failed", failed.get());
        }
        synchronized (h) {
            System.out.printf("(c) Kafka alone at %,d events/s (%.0f %% load), send to a bare consumer's poll over %,d"
                            + " events: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", rate, load * 100, h.getTotalCount(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
        }
    }

    /**
     * The sending half of {@link #kafkaAlone}: a publisher like the latency runs' one, to the other
     * topic; returns how many events it sent (all acknowledged).
     */
    private static long sendAlone(String servers, Clickstream stream, int rate, int seconds, Histogram h) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (KafkaEventPublisher publisher = KafkaEventPublisher.builder().properties(p).defaultTopic(WARMUP_TOPIC)
                .route("purchase", WARMUP_TOPIC).build()) {
            long begin = System.nanoTime();
            long warmup = 3_000_000_000L;
            boolean measuring = false;
            long sent = 0;
            for (long now = begin; now < begin + warmup + seconds * 1_000_000_000L; now = System.nanoTime()) {
                if (!measuring && now - begin >= warmup) {
                    synchronized (h) {
                        h.reset();
                    }
                    measuring = true;
                }
                long due = (now - begin) * rate / 1_000_000_000L;
                for (; sent < due; sent++) {
                    publisher.publish(stream.next());
                }
                LockSupport.parkNanos(1_000_000L);
            }
            publisher.flush();
            return sent;
        }
    }

    /**
     * Sends events at {@code rate} per second, open loop, for a 5 s warm-up and then
     * {@code seconds}, printing each second's latency and the run's total.
     */
    private static void latencyRun(KafkaEventPublisher publisher, KafkaProfileProcessor processor, ReadLatency latency,
                                   Clickstream stream, int rate, double load, int seconds, int consumers) {
        System.out.printf("(c) record-to-readable at %,d events/s (%.0f %% of the sustained rate), %d consumer%s, "
                + "for %d s ...%n", rate, load * 100, consumers, consumers == 1 ? "" : "s", seconds);
        long warmup = 5_000_000_000L; // a new processor runs slow for its first seconds: after 3 s, the next two still had p99 0.4 to 1.9 s
        long begin = System.nanoTime();
        long end = begin + warmup + seconds * 1_000_000_000L;
        boolean measuring = false;
        long sent = 0;
        long nextReport = begin + 1_000_000_000L;
        for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            if (!measuring && now - begin >= warmup) {
                latency.reset();
                measuring = true;
                nextReport = now + 1_000_000_000L;
            }
            if (measuring && now >= nextReport) {
                // each second's own figures: a latency that grows second by second is a queue
                Histogram second = latency.interval();
                System.out.printf("  %2d s: p50 %.2f ms, p99 %.2f ms, lag %,d%n", (now - begin - warmup) / 1_000_000_000L,
                        second.getValueAtPercentile(50) / 1000.0, second.getValueAtPercentile(99) / 1000.0,
                        processor.metrics().lag());
                nextReport += 1_000_000_000L;
            }
            long due = (now - begin) * rate / 1_000_000_000L;
            for (; sent < due; sent++) {
                Event e = stream.next();
                latency.sent(e.eventId(), System.nanoTime());
                publisher.publish(e);
            }
            LockSupport.parkNanos(1_000_000L); // 1 ms between sends: a 200 µs loop would take a core from the pipeline
        }
        publisher.flush();
        long drain = System.nanoTime() + 60_000_000_000L; // a backlog left would weigh on the next run
        while (processor.metrics().lag() > 0 && System.nanoTime() < drain) {
            LockSupport.parkNanos(10_000_000L);
        }
        latency.interval();
        Histogram h = latency.total();
        System.out.printf("(c) record-to-readable at %.0f %% load over %,d events after a 5 s warm-up: p50 %.2f ms, "
                        + "p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n", load * 100, h.getTotalCount(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
    }

    private static void produce(String servers, JsonEventCodec codec, String topic, Clickstream stream, int events) {
        System.out.printf("producing %,d events (Zipf 1.0 over users) to %s ...%n", events, topic);
        long t0 = System.nanoTime();
        long bytes = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                Event e = stream.next();
                byte[] v = codec.encode(e);
                bytes += v.length;
                producer.send(new ProducerRecord<>(topic, e.userId(), v));
            }
        }
        double produceSecs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("produced %,d events (%.1f MB of JSON, %d B each on average) in %.1f s%n", events, bytes / 1e6,
                bytes / events, produceSecs);
    }

    /** Runs a processor over {@code topic} until it has read {@code events} records; its events/s. */
    private static double pipeline(String servers, ProfileEngine engine, String topic, String group, int events,
                                   boolean updates, int consumers, boolean print) {
        KafkaProfileProcessor processor = KafkaProfileProcessor.builder().bootstrapServers(servers)
                .groupId(group).topics(List.of(topic)).engine(engine).consumers(consumers)
                .updatesTopic(updates ? Optional.of(TopicSetup.PROFILE_UPDATES) : Optional.empty()).build();
        long start = System.nanoTime();
        processor.start();
        long lastPrint = start;
        while (processor.metrics().records() < events) {
            LockSupport.parkNanos(5_000_000L);
            if (print && System.nanoTime() - lastPrint > 5_000_000_000L) {
                lastPrint = System.nanoTime();
                ProcessorMetrics m = processor.metrics();
                System.out.printf("  pipeline: %,d records after %.0f s%n", m.records(), (lastPrint - start) / 1e9);
            }
            if (!processor.isRunning()) {
                throw new IllegalStateException("processor died", processor.failure().orElse(null));
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        ProcessorMetrics m = processor.metrics();
        processor.close();
        if (print) {
            System.out.printf("(b) pipeline: %,d records in %.1f s (%,d applied, %,d duplicates, %,d batches, "
                    + "%,d change records)%n", m.records(), secs, m.applied(), m.duplicates(), m.batches(),
                    m.changesPublished());
        }
        return events / secs;
    }

    private static double ceiling(String servers, JsonEventCodec codec, String topic, String group, int events,
                                  boolean print) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        long start = System.nanoTime();
        long read = 0;
        long checksum = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (read < events) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    checksum += codec.decode(r.value()).properties().size();
                    read++;
                }
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        double eps = read / secs;
        if (print) {
            System.out.printf("(a) ceiling, bare consumer decoding JSON: %,d records in %.1f s = %,.0f events/s "
                    + "(checksum %d)%n", read, secs, eps, checksum);
        }
        return eps;
    }
}
