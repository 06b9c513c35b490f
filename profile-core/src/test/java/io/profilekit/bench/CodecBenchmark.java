package io.profilekit.bench;

import io.profilekit.Event;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.ProfileEngine;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStateCodec;
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

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link ProfileStateCodec} on the states that {@link Workload} builds: 200,000 events, Zipf(1.0)
 * over 100,000 users, so most profiles are small and a few are full. Scores are nanoseconds per
 * state, cycling through all the states so that caches see a realistic mix.
 *
 * <p>Run: {@code ./mvnw -q -pl profile-core -Pbenchmark test-compile exec:exec -Djmh.args=CodecBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class CodecBenchmark {
    ProfileState[] states;
    byte[][] encoded;
    int i;

    @Setup(Level.Trial)
    public void buildStates() {
        Event[] events = Workload.events(200_000, 100_000, 7);
        InMemoryProfileStore store = new InMemoryProfileStore();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(Workload.reducer()).store(store)
                .clock(Clock.fixed(Workload.T0.plus(Duration.ofDays(1)), ZoneOffset.UTC)).build()) {
            for (int from = 0; from < events.length; from += 1000) {
                engine.recordAll(Arrays.asList(events).subList(from, from + 1000));
            }
            List<String> users = new ArrayList<>();
            for (Event e : events) {
                users.add(e.userId());
            }
            states = store.loadAll(users).values().toArray(new ProfileState[0]);
        }
        encoded = new byte[states.length][];
        long bytes = 0;
        for (int k = 0; k < states.length; k++) {
            encoded[k] = ProfileStateCodec.encode(states[k]);
            bytes += encoded[k].length;
        }
        System.out.printf("%n%d states, %d bytes on average%n", states.length, bytes / states.length);
    }

    @Benchmark
    public byte[] encode() {
        ProfileState s = states[i];
        i = i + 1 == states.length ? 0 : i + 1;
        return ProfileStateCodec.encode(s);
    }

    @Benchmark
    public ProfileState decode() {
        byte[] b = encoded[i];
        i = i + 1 == encoded.length ? 0 : i + 1;
        return ProfileStateCodec.decode(b);
    }

    /**
     * Decode then encode, the state unchanged: the store's read and write of a profile that a
     * batch left as it was, where every attribute is copied back as read.
     */
    @Benchmark
    public byte[] roundTrip() {
        byte[] b = encoded[i];
        i = i + 1 == encoded.length ? 0 : i + 1;
        return ProfileStateCodec.encode(ProfileStateCodec.decode(b));
    }
}
