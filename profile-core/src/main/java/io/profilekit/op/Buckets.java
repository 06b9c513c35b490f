package io.profilekit.op;

import java.util.Arrays;

/**
 * Sums per bucket index, as decaying scores and windowed counts keep them: two ascending index
 * arrays with a value each. Merging adds the values of equal indexes and keeps only the newest
 * {@code keep} indexes' worth, counted back from the newest index.
 *
 * @param indexes ascending bucket indexes
 * @param values  one value per index
 */
record Buckets(long[] indexes, long[] values) {

    /**
     * The union of two bucket sets, values of equal indexes added (saturating), then only the
     * indexes greater than {@code newest - keep}.
     */
    static Buckets merge(long[] b1, long[] v1, long[] b2, long[] v2, long keep) {
        long newest = Math.max(b1.length > 0 ? b1[b1.length - 1] : Long.MIN_VALUE,
                b2.length > 0 ? b2[b2.length - 1] : Long.MIN_VALUE);
        long oldestKept = newest - keep;
        // count the distinct kept indexes first, so the result is allocated once, at its size
        int n = 0;
        for (int i = 0, j = 0; i < b1.length || j < b2.length; n++) {
            long next = j >= b2.length || (i < b1.length && b1[i] <= b2[j]) ? b1[i] : b2[j];
            if (i < b1.length && b1[i] == next) {
                i++;
            }
            if (j < b2.length && b2[j] == next) {
                j++;
            }
            if (next <= oldestKept) {
                n--;
            }
        }
        long[] b = new long[n];
        long[] v = new long[n];
        int k = 0;
        for (int i = 0, j = 0; i < b1.length || j < b2.length; ) {
            long next = j >= b2.length || (i < b1.length && b1[i] <= b2[j]) ? b1[i] : b2[j];
            long value = 0;
            if (i < b1.length && b1[i] == next) {
                value = v1[i++];
            }
            if (j < b2.length && b2[j] == next) {
                value = Counter.saturatedAdd(value, v2[j++]);
            }
            if (next > oldestKept) {
                b[k] = next;
                v[k++] = value;
            }
        }
        return new Buckets(b, v);
    }

    /**
     * Bucket sums in mutable arrays, for folding single-bucket deltas in place: the same sums and
     * the same kept indexes as {@link #merge} gives step by step. Not thread-safe.
     */
    static final class Folder {
        private final long keep;
        private long[] indexes;
        private long[] values;
        private int size;

        private Folder(long[] indexes, long[] values, long keep) {
            this.keep = keep;
            this.size = indexes.length;
            this.indexes = Arrays.copyOf(indexes, size + 2);
            this.values = Arrays.copyOf(values, size + 2);
        }

        /** A folder starting from these buckets, or null when the indexes are not strictly ascending. */
        static Folder of(long[] indexes, long[] values, long keep) {
            if (indexes.length != values.length) {
                return null;
            }
            for (int i = 1; i < indexes.length; i++) {
                if (indexes[i - 1] >= indexes[i]) {
                    return null;
                }
            }
            return new Folder(indexes, values, keep);
        }

        /**
         * Adds a one-bucket set, as {@code merge(these, b, v, keep)} would; returns false, changing
         * nothing, when {@code b} holds another number of buckets.
         */
        boolean add(long[] b, long[] v) {
            if (b.length != 1 || v.length != 1) {
                return false;
            }
            int at = Arrays.binarySearch(indexes, 0, size, b[0]);
            if (at >= 0) {
                values[at] = Counter.saturatedAdd(values[at], v[0]);
            } else {
                at = -(at + 1);
                if (size == indexes.length) {
                    indexes = Arrays.copyOf(indexes, size * 2 + 2);
                    values = Arrays.copyOf(values, indexes.length);
                }
                System.arraycopy(indexes, at, indexes, at + 1, size - at);
                System.arraycopy(values, at, values, at + 1, size - at);
                indexes[at] = b[0];
                values[at] = v[0];
                size++;
            }
            long oldestKept = indexes[size - 1] - keep;
            int drop = 0;
            while (drop < size && indexes[drop] <= oldestKept) {
                drop++;
            }
            if (drop > 0) {
                System.arraycopy(indexes, drop, indexes, 0, size - drop);
                System.arraycopy(values, drop, values, 0, size - drop);
                size -= drop;
            }
            return true;
        }

        /** A copy of the indexes, ascending. */
        long[] indexes() {
            return Arrays.copyOf(indexes, size);
        }

        /** A copy of the values, one per index. */
        long[] values() {
            return Arrays.copyOf(values, size);
        }
    }
}
