package io.profilekit.kafka;

import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaProfileProcessorBuilderTest {
    @Test
    void consumersOutsideOneToSixtyFourAreRefusedNamingTheOptionAndTheValue() {
        assertThatThrownBy(() -> KafkaProfileProcessor.builder().consumers(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("consumers must be between 1 and 64, got 0");
        assertThatThrownBy(() -> KafkaProfileProcessor.builder().consumers(65))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("consumers must be between 1 and 64, got 65");
        assertThatThrownBy(() -> KafkaProfileProcessor.builder().consumers(-3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -3");
    }

    @Test
    void consumersFromOneToSixtyFourAreTaken() {
        KafkaProfileProcessor.Builder b = KafkaProfileProcessor.builder();
        assertThat(b.consumers(1)).isSameAs(b);
        assertThat(b.consumers(KafkaProfileProcessor.Builder.MAX_CONSUMERS)).isSameAs(b);
    }

    @Test
    void whenAConsumerThreadCannotStartTheOthersStopAndTheSharedClientsAreReleased() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        AtomicInteger made = new AtomicInteger();
        List<Thread> started = new ArrayList<>();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(ProfileReducer.builder().build()).build()) {
            KafkaProfileProcessor processor = KafkaProfileProcessor.builder().bootstrapServers("127.0.0.1:9")
                    .groupId("cannot-start").engine(engine).producer(producer).consumers(3)
                    .threadFactory((r, name) -> made.getAndIncrement() == 1
                            ? new Thread(r, name) {
                                @Override
                                public synchronized void start() {
                                    throw new OutOfMemoryError("unable to create native thread (test)");
                                }
                            }
                            : record(started, new Thread(r, name)))
                    .build();
            assertThatThrownBy(processor::start).isInstanceOf(OutOfMemoryError.class);
            Await.await(Duration.ofSeconds(30), () -> started.stream().noneMatch(Thread::isAlive));
            Await.await(Duration.ofSeconds(30), () -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().equals("profilekit-processor-cannot-start-updates")));
            assertThat(processor.isRunning()).isFalse();
            assertThat(producer.closed()).as("a producer the application gave is never closed").isFalse();
            assertThatThrownBy(processor::start).isInstanceOf(IllegalStateException.class);
            processor.close(); // nothing left to do, and no error
        }
    }

    private static Thread record(List<Thread> threads, Thread t) {
        synchronized (threads) {
            threads.add(t);
        }
        return t;
    }
}
