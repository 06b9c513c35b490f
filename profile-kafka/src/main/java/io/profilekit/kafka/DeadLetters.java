package io.profilekit.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * How an invalid record goes to the dead-letter topic: its key and raw value bytes unchanged, its
 * own headers kept, and four headers naming where it came from and why it was refused.
 */
public final class DeadLetters {
    /** The topic the record was read from. */
    public static final String ORIGINAL_TOPIC = "profilekit.original.topic";
    /** Its partition, as a decimal string. */
    public static final String ORIGINAL_PARTITION = "profilekit.original.partition";
    /** Its offset, as a decimal string. */
    public static final String ORIGINAL_OFFSET = "profilekit.original.offset";
    /** Every problem found, such as {@code purchase.amount: expected a number >= 0, got "abc"}. */
    public static final String REASON = "profilekit.reason";

    /** Reasons longer than this are cut, so that a hostile record cannot make a huge header. */
    static final int MAX_REASON_CHARS = 4096;

    private DeadLetters() {
    }

    /** The dead letter of {@code record}, for {@code topic}. */
    public static ProducerRecord<String, byte[]> of(String topic, ConsumerRecord<String, byte[]> record, String reason) {
        Headers headers = new RecordHeaders();
        for (Header h : record.headers()) {
            if (!h.key().startsWith("profilekit.original.") && !OWN.contains(h.key())) {
                headers.add(h);
            }
        }
        headers.add(ORIGINAL_TOPIC, utf8(record.topic()));
        headers.add(ORIGINAL_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(ORIGINAL_OFFSET, utf8(Long.toString(record.offset())));
        String cut = reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS) + "..." : reason;
        headers.add(REASON, utf8(cut));
        return new ProducerRecord<>(topic, null, record.key(), record.value(), headers);
    }

    /**
     * Set, instead of the value, on a dead letter whose record was too large for the dead-letter
     * topic: how many bytes the value had. The record itself is still at its original topic,
     * partition and offset (for as long as that topic keeps it).
     */
    public static final String VALUE_DROPPED = "profilekit.value.dropped";

    /**
     * Set on a dead letter that was too large for the dead-letter topic even without its value:
     * how large the key and the record's own headers were, which were left out. ProfileKit's headers
     * (origin, reason, {@link #VALUE_DROPPED}) are kept.
     */
    public static final String KEY_AND_HEADERS_DROPPED = "profilekit.key.dropped";

    /** The headers this class sets; a reduced letter keeps these only (a record's own may use the same prefix). */
    private static final java.util.Set<String> OWN = java.util.Set.of(ORIGINAL_TOPIC, ORIGINAL_PARTITION, ORIGINAL_OFFSET,
            REASON, VALUE_DROPPED, KEY_AND_HEADERS_DROPPED);

    /**
     * A smaller dead letter, for a topic that refused {@code letter} as too large: without its value
     * ({@link #VALUE_DROPPED}) when it has one; else without its key and the record's own headers
     * ({@link #KEY_AND_HEADERS_DROPPED}, also those named like ProfileKit's); null when only the
     * headers this class sets are left to send.
     */
    static ProducerRecord<String, byte[]> reduced(ProducerRecord<String, byte[]> letter) {
        Headers headers = new RecordHeaders();
        if (letter.value() != null) {
            for (Header h : letter.headers()) {
                headers.add(h);
            }
            headers.add(VALUE_DROPPED, utf8(letter.value().length + " bytes, more than the dead-letter topic takes"));
            return new ProducerRecord<>(letter.topic(), null, letter.key(), null, headers);
        }
        int dropped = 0;
        long droppedBytes = 0;
        for (Header h : letter.headers()) {
            if (OWN.contains(h.key())) {
                headers.add(h);
            } else {
                dropped++;
                droppedBytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
            }
        }
        if (letter.key() == null && dropped == 0) {
            return null;
        }
        int keyBytes = letter.key() == null ? 0 : utf8(letter.key()).length;
        headers.add(KEY_AND_HEADERS_DROPPED, utf8("key " + keyBytes + " bytes, " + dropped + " header(s) of "
                + droppedBytes + " bytes: more than the dead-letter topic takes"));
        return new ProducerRecord<String, byte[]>(letter.topic(), null, (String) null, null, headers);
    }

    /** A header's value as text, if the record has it. */
    public static Optional<String> header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? Optional.empty()
                : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
