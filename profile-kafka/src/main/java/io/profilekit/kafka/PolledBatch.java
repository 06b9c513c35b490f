package io.profilekit.kafka;

import io.profilekit.RecordResult;
import io.profilekit.SourcedEvent;
import io.profilekit.kafka.DeadLetterSender.Letter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One poll's records in a {@link ProcessorLoop}: the events to apply and the records they came from, the dead letters owed,
 * and the offsets not committed yet. Complete once applied, with no dead letter owed; its offsets
 * are then all committed. Used by the loop's thread only.
 */
final class PolledBatch {
    final List<SourcedEvent> events;
    final List<ConsumerRecord<String, byte[]>> origins;
    /** Per partition, the offset to commit once its dead letters are acknowledged. */
    final Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    /** Dead letters not acknowledged yet; those of records the engine rejects join when it is applied. */
    final List<Letter> letters = new ArrayList<>();
    /** Null until the batch is applied. */
    List<RecordResult> results;
    int records;
    private boolean emptied;

    PolledBatch(int capacity) {
        events = new ArrayList<>(capacity);
        origins = new ArrayList<>(capacity);
    }

    /** Whether revoked or lost partitions took every record the batch had: nothing of it is left. */
    boolean emptied() {
        return emptied;
    }

    boolean complete() {
        return results != null && letters.isEmpty();
    }

    /**
     * Forgets these partitions: nothing of them is applied, dead-lettered, counted or committed by
     * this batch any more.
     */
    void drop(Collection<TopicPartition> partitions) {
        int held = events.size() + letters.size();
        letters.removeIf(l -> partitions.contains(l.from()));
        for (int i = events.size() - 1; i >= 0; i--) {
            ConsumerRecord<String, byte[]> r = origins.get(i);
            if (partitions.contains(new TopicPartition(r.topic(), r.partition()))) {
                events.remove(i);
                origins.remove(i);
            }
        }
        partitions.forEach(next::remove);
        emptied = next.isEmpty() && events.isEmpty() && letters.isEmpty();
        if (results == null) {
            records -= held - events.size() - letters.size(); // before it is applied, one record is one of these
        }
    }
}
