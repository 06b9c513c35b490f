package io.profilekit.bench;

import io.profilekit.Event;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.ProfileEngine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reduce and apply on the in-memory store, one thread: pre-built events, Zipf(1.0) over 1,000,000
 * users, the {@link Workload#reducer()} of about ten attributes. {@code recordAll} takes batches of
 * 1,000 events (one load and one write per batch); {@code record} takes one event at a time;
 * {@code hashMapBaseline} does a plain per-user HashMap merge of the same events, the ceiling.
 *
 * <p>Run: {@code ./mvnw -q -pl profile-core -Pbenchmark test-compile exec:exec}. Scores are
 * events per second (each invocation handles {@value #BATCH} events).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgs = {"-Xms6g", "-Xmx6g"})
public class EngineBenchmark {
    static final int BATCH = 1000;
    static final int EVENTS = 2_000_000;
    static final int USERS = 1_000_000;

    Event[] events;
    int cursor;
    ProfileEngine engine;
    HashMap<String, long[]> baseline;

    @Setup(Level.Trial)
    public void buildEvents() {
        events = Workload.events(EVENTS, USERS, 42);
    }

    @Setup(Level.Iteration)
    public void freshEngine() {
        engine = ProfileEngine.builder().reducer(Workload.reducer()).store(new InMemoryProfileStore())
                .clock(Clock.fixed(Workload.T0.plus(Duration.ofDays(1)), ZoneOffset.UTC)).build();
        baseline = new HashMap<>();
        cursor = 0;
    }

    @TearDown(Level.Iteration)
    public void close() {
        engine.close();
    }

    /** The next batch of events; when all were applied once, the store starts afresh. */
    private List<Event> nextBatch() {
        if (cursor + BATCH > events.length) {
            engine.close();
            freshEngine();
        }
        List<Event> batch = Arrays.asList(events).subList(cursor, cursor + BATCH);
        cursor += BATCH;
        return batch;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void recordAll(Blackhole bh) {
        List<Event> batch = nextBatch(); // first: it may replace the engine
        bh.consume(engine.recordAll(batch).join());
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void record(Blackhole bh) {
        List<Event> batch = nextBatch(); // first: it may replace the engine
        for (Event e : batch) {
            bh.consume(engine.record(e).join());
        }
    }

    /** The ceiling: count, sum and keep the last time per user in a HashMap. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void hashMapBaseline(Blackhole bh) {
        if (cursor + BATCH > events.length) {
            baseline = new HashMap<>();
            cursor = 0;
        }
        for (int i = cursor; i < cursor + BATCH; i++) {
            Event e = events[i];
            long[] agg = baseline.computeIfAbsent(e.userId(), u -> new long[3]);
            agg[0]++;
            Object amount = e.properties().get("amount");
            if (amount instanceof BigDecimal bd) {
                agg[1] += bd.unscaledValue().longValue();
            }
            agg[2] = Math.max(agg[2], e.timestamp().toEpochMilli());
        }
        cursor += BATCH;
        bh.consume(baseline.size());
    }
}
