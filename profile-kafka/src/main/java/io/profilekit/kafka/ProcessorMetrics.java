package io.profilekit.kafka;

/**
 * A snapshot of a {@link KafkaProfileProcessor}'s counters since it started, summed over its
 * consumers when it runs several ({@link #plus}).
 *
 * @param records           records polled and handled (valid or not)
 * @param applied           events applied to profiles
 * @param duplicates        events skipped as already applied (redelivered, or resent by the application)
 * @param deadLettered      dead letters the broker acknowledged (a record read again before its
 *                          commit, after a crash, a close or a rebalance, is dead-lettered again)
 * @param deadLetterFailures attempts to send a dead letter that failed (the send threw, or the broker
 *                          did not acknowledge it); each is retried, its partition uncommitted meanwhile
 * @param changesPublished  change records and erase tombstones handed to the producer for {@code profile-updates}
 *                          (best effort: one the producer then fails to send is logged, not subtracted)
 * @param batches           batches applied
 * @param storeFailures     batch applications that failed because the store did, each then retried
 * @param pauses            times the processor paused its partitions because the store failed or a
 *                          dead letter was not acknowledged
 * @param paused            whether its partitions (those of at least one of its consumers) are paused now
 * @param revocations       rebalances that took partitions away (or lost them)
 * @param assignedPartitions partitions assigned to it now
 * @param lag               records behind the end of the assigned partitions, as of the last poll
 */
public record ProcessorMetrics(long records, long applied, long duplicates, long deadLettered,
                               long deadLetterFailures, long changesPublished, long batches, long storeFailures,
                               long pauses, boolean paused, long revocations, int assignedPartitions,
                               long lag) {

    /**
     * The sum of two snapshots, such as those of two consumers or two processors: every count and
     * the lag added, {@code paused} when either is paused.
     */
    public ProcessorMetrics plus(ProcessorMetrics other) {
        return new ProcessorMetrics(records + other.records, applied + other.applied, duplicates + other.duplicates,
                deadLettered + other.deadLettered, deadLetterFailures + other.deadLetterFailures,
                changesPublished + other.changesPublished, batches + other.batches,
                storeFailures + other.storeFailures, pauses + other.pauses, paused || other.paused,
                revocations + other.revocations, assignedPartitions + other.assignedPartitions, lag + other.lag);
    }
}
