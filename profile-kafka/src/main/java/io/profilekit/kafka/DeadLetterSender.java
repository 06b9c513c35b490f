package io.profilekit.kafka;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends one consumer's dead letters and tells which the broker acknowledged. A letter that was not
 * acknowledged (the send threw, or its future failed after the producer's own retries) stays owed:
 * the consumer retries it and does not commit its partition meanwhile. A letter the topic refuses
 * as too large ({@link RecordTooLargeException}) is retried without its value, with the header
 * {@link DeadLetters#VALUE_DROPPED} saying how large it was; one still too large (a huge key or
 * headers) is retried without its key and its own headers too ({@link DeadLetters#KEY_AND_HEADERS_DROPPED});
 * the record stays readable at the original offset the headers name. Used by one consumer thread
 * only; the producer may be shared.
 *
 * <p>An attempt stops sending at the first letter whose send throws or fails at once for another
 * reason than its size (the producer waited {@code max.block.ms} for the topic's metadata or for
 * buffer space): the letters after it stay owed for the next attempt, so one attempt blocks for one
 * {@code max.block.ms} at most, plus the flush ({@code delivery.timeout.ms} at most), whatever the
 * number of letters.
 */
final class DeadLetterSender {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterSender.class);

    /** A dead letter, and the partition whose offsets wait for it. */
    record Letter(TopicPartition from, ProducerRecord<String, byte[]> record) {
    }

    private final Producer<String, byte[]> producer;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong valuesDropped = new AtomicLong();
    /** Attempts in a row that left letters owed; only the consumer thread touches it. */
    private int failedAttempts;

    DeadLetterSender(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /**
     * One attempt: sends the owed letters up to the first that fails at once, flushes, and waits for
     * the broker's answers (bounded by the producer's {@code max.block.ms} and
     * {@code delivery.timeout.ms}). The acknowledged letters are removed from {@code owed}; the
     * others stay, in their order.
     *
     * @return whether nothing is owed any more
     */
    boolean send(List<Letter> owed) {
        int owedAtStart = owed.size();
        List<Future<?>> sent = new ArrayList<>(owed.size());
        Exception firstError = null;
        Letter firstFailed = null;
        Exception[] thrown = new Exception[owed.size()];
        for (Letter l : owed) {
            try {
                Future<?> f = producer.send(l.record());
                sent.add(f);
                if (blocked(failedAtOnce(f))) {
                    break; // the producer waited for the topic or for room: the rest wait for the next attempt
                }
            } catch (RuntimeException e) {
                thrown[sent.size()] = e;
                sent.add(null);
                if (firstError == null) {
                    firstError = e;
                    firstFailed = l;
                }
                if (blocked(e)) {
                    break;
                }
            }
        }
        producer.flush();
        int failed = 0;
        int unsent = owed.size() - sent.size();
        ListIterator<Letter> it = owed.listIterator();
        for (int k = 0; k < sent.size(); k++) {
            Future<?> f = sent.get(k);
            Letter l = it.next();
            Exception error = null;
            if (f != null) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    error = e.getCause() instanceof Exception cause ? cause : e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    error = e;
                }
            }
            if (f != null && error == null) {
                it.remove();
                acknowledged.incrementAndGet();
            } else {
                failed++;
                failures.incrementAndGet();
                if (firstError == null) {
                    firstError = error;
                    firstFailed = l;
                }
                ProducerRecord<String, byte[]> smaller = (f != null ? error : thrown[k]) instanceof RecordTooLargeException
                        ? DeadLetters.reduced(l.record()) : null;
                if (smaller != null) {
                    // never accepted as it is: the next attempt sends it without its value (or, when it
                    // has none, without its key and own headers); the record stays readable at the
                    // original offset, and the headers say where and why
                    it.set(new Letter(l.from(), smaller));
                    valuesDropped.incrementAndGet();
                    log.warn("dead letter from {}-{}@{} is too large for {}; it is sent without its {}",
                            header(l, DeadLetters.ORIGINAL_TOPIC), header(l, DeadLetters.ORIGINAL_PARTITION),
                            header(l, DeadLetters.ORIGINAL_OFFSET), l.record().topic(), l.record().value() != null
                                    ? "value (" + l.record().value().length + " bytes)" : "key and its own headers");
                }
            }
        }
        failed += unsent;
        if (failed == 0) {
            if (failedAttempts > 0) {
                log.info("dead letters acknowledged after {} failed attempt(s)", failedAttempts);
                failedAttempts = 0;
            }
            return true;
        }
        if (failedAttempts++ == 0) {
            log.warn("{} of {} dead letter(s) not acknowledged (first: from {}-{}@{} to {}: {}); their partitions stay "
                            + "uncommitted and the letters are retried until the broker takes them",
                    failed, owedAtStart, header(firstFailed, DeadLetters.ORIGINAL_TOPIC),
                    header(firstFailed, DeadLetters.ORIGINAL_PARTITION), header(firstFailed, DeadLetters.ORIGINAL_OFFSET),
                    firstFailed.record().topic(), String.valueOf(firstError));
        }
        return false;
    }

    /** What a send's future has failed with already (the producer gave up before returning), or null. */
    private static Throwable failedAtOnce(Future<?> f) {
        if (!f.isDone()) {
            return null;
        }
        try {
            f.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    /**
     * Whether a send failed at once in a way that makes the next ones wait as long (no metadata for
     * the topic, no buffer space, a closed producer): anything but a letter refused as too large,
     * which is refused without waiting and sent smaller by the next attempt.
     */
    private static boolean blocked(Throwable failure) {
        return failure != null && !(failure instanceof RecordTooLargeException);
    }

    /** Dead letters sent without their value (or key) because the topic refused them as too large. */
    long valuesDropped() {
        return valuesDropped.get();
    }

    /** Dead letters the broker acknowledged. */
    long acknowledged() {
        return acknowledged.get();
    }

    /** Attempts to send a dead letter that failed, each retried. */
    long failures() {
        return failures.get();
    }

    private static String header(Letter l, String name) {
        return DeadLetters.header(l.record().headers(), name).orElse("?");
    }
}
