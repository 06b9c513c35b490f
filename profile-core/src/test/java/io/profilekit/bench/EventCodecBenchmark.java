package io.profilekit.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.profilekit.Event;
import io.profilekit.JacksonEventWriter;
import io.profilekit.JsonEventCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * {@link JsonEventCodec#encode} (what the Kafka publisher does on the recording thread) on the
 * {@link Workload} events, cycling through 100,000 of them, against Jackson's streaming generator
 * writing the same JSON in the same run. Scores are nanoseconds per event.
 *
 * <p>Run: {@code ./mvnw -q -pl profile-core -Pbenchmark test-compile exec:exec -Djmh.args=EventCodecBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class EventCodecBenchmark {
    private final JsonEventCodec codec = JsonEventCodec.create();
    private final JsonFactory jackson = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    Event[] events;
    int i;

    @Setup(Level.Trial)
    public void buildEvents() {
        events = Workload.events(100_000, 100_000, 5);
    }

    @Benchmark
    public byte[] encode() {
        Event e = events[i];
        i = i + 1 == events.length ? 0 : i + 1;
        return codec.encode(e);
    }

    /** The baseline: the same JSON through Jackson's generator. */
    @Benchmark
    public byte[] jacksonGenerator() throws IOException {
        Event e = events[i];
        i = i + 1 == events.length ? 0 : i + 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = jackson.createGenerator(out)) {
            JacksonEventWriter.write(g, e);
        }
        return out.toByteArray();
    }
}
