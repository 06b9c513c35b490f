package io.profilekit.op;

/**
 * One attribute's operation in a delta, and also the attribute's stored state: applying a delta to
 * a profile is {@link #merge merging} each of its operations into the stored one.
 *
 * <p>Every operation carries the event time of what it holds, so that merging is order independent:
 * {@code a.merge(b).equals(b.merge(a))} and {@code a.merge(b).merge(c).equals(a.merge(b.merge(c)))}
 * for every operation family (ProfileKit's convergence invariant). Idempotence is not an operation's
 * job: counters add, and the engine drops replayed events by id and by source offset before they
 * reach an operation.
 *
 * <p>When two operations of different families meet under one attribute name (a reducer changed
 * the attribute's operation between deployments), the one updated last by event time wins whole.
 * The exception is counters and decimal sums, which are both sums and add up to a decimal sum.
 *
 * <p>Two limits of the order independence, both outside ordinary use: 64-bit sums (counters, topN
 * counts, decaying scores' fixed-point sums) saturate at {@code Long.MAX_VALUE} and
 * {@code Long.MIN_VALUE} instead of wrapping, so once a sum of mixed signs reaches a bound the
 * order of its terms matters; and when a capped list's or set's capacity changes between
 * deployments, the capacity of the newest operand wins at each merge, so values cut while the
 * smaller capacity held may differ by arrival order.
 *
 * <p>Implementations are immutable records and thread-safe.
 */
public sealed interface Operation permits LastWrite, FirstWrite, Counter, DecimalSum, Extremum, RecentValues,
        CappedSet, DecayingScore, WindowedCount, TopValues {

    /** The newest event time, in epoch milliseconds, of anything this operation holds. */
    long updatedAt();

    /** Merges two operations on the same attribute; commutative and associative. */
    Operation merge(Operation other);

    /**
     * The attribute's value as a reader sees it at {@code nowMillis} (decaying scores and windowed
     * counts depend on it), or {@code null} when the attribute has no value (it was unset).
     */
    Object read(long nowMillis);

    /** The operation family's stable name, as stored: {@code set}, {@code counter}, {@code recent}... */
    String kind();

    /**
     * Resolves a merge between different families, or different settings of one family: the
     * operation updated last wins; on a tie, the greater kind name, then the greater string form.
     */
    static Operation newerOf(Operation a, Operation b) {
        int c = Long.compare(a.updatedAt(), b.updatedAt());
        if (c == 0) {
            c = a.kind().compareTo(b.kind());
        }
        if (c == 0) {
            c = a.toString().compareTo(b.toString());
        }
        return c >= 0 ? a : b;
    }
}
