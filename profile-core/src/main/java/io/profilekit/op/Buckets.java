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
        long oldestKept = oldestKept(newest, keep);
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

    /** {@code newest - keep} ({@code keep} positive), or {@link Long#MIN_VALUE} when that is below the long range. */
    static long oldestKept(long newest, long keep) {
        long oldest = newest - keep;
        return oldest > newest ? Long.MIN_VALUE : oldest;
    }

    /**
     * Bucket sums in mutable arrays, for folding single-bucket deltas in place: the same sums and
     * the same kept indexes as {@link #merge} gives step by step. Frozen arrays are handed over when
     * exactly full, and the next change copies them. Not thread-safe.
     */
    static final class Folder {
        private final long keep;
        private long[] indexes;
        private long[] values;
        private int size;
        /** Whether the arrays back a frozen operation: copied before the next change. */
        private boolean shared;

        /** The newest bucket held, or {@link Long#MIN_VALUE} when none. */
        long newest() {
            return size > 0 ? indexes[size - 1] : Long.MIN_VALUE;
        }

        private Folder(long[] indexes, long[] values, long keep) {
            this.keep = keep;
            this.size = indexes.length;
            this.indexes = indexes.clone();
            this.values = values.clone();
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
            long index = b[0];
            long newest = size > 0 ? Math.max(indexes[size - 1], index) : index;
            long oldestKept = oldestKept(newest, keep);
            int drop = 0;
            while (drop < size && indexes[drop] <= oldestKept) {
                drop++;
            }
            int at = Arrays.binarySearch(indexes, drop, size, index);
            boolean added = at < 0 && index > oldestKept;
            int newSize = size - drop + (added ? 1 : 0);
            long[] ti = indexes;
            long[] tv = values;
            if (shared || newSize > indexes.length) {
                ti = new long[newSize];
                tv = new long[newSize];
                shared = false;
            }
            if (at >= 0) {
                long sum = Counter.saturatedAdd(values[at], v[0]);
                System.arraycopy(indexes, drop, ti, 0, size - drop);
                System.arraycopy(values, drop, tv, 0, size - drop);
                tv[at - drop] = sum;
            } else if (added) {
                int p = -(at + 1);
                // in place, the part that moves right (drop == 0) or further left (drop > 0) moves first,
                // so that neither overwrites what the other has still to move
                if (drop == 0) {
                    System.arraycopy(indexes, p, ti, p + 1, size - p);
                    System.arraycopy(values, p, tv, p + 1, size - p);
                    System.arraycopy(indexes, 0, ti, 0, p);
                    System.arraycopy(values, 0, tv, 0, p);
                } else {
                    System.arraycopy(indexes, drop, ti, 0, p - drop);
                    System.arraycopy(values, drop, tv, 0, p - drop);
                    System.arraycopy(indexes, p, ti, p - drop + 1, size - p);
                    System.arraycopy(values, p, tv, p - drop + 1, size - p);
                }
                ti[p - drop] = index;
                tv[p - drop] = v[0];
            } else {
                System.arraycopy(indexes, drop, ti, 0, size - drop);
                System.arraycopy(values, drop, tv, 0, size - drop);
            }
            indexes = ti;
            values = tv;
            size = newSize;
            return true;
        }

        /** The indexes, ascending; with {@link #values()}, the arrays of a frozen operation. */
        long[] indexes() {
            if (size == indexes.length) {
                shared = true;
                return indexes;
            }
            return Arrays.copyOf(indexes, size);
        }

        /** The values, one per index; call right after {@link #indexes()}. */
        long[] values() {
            return size == values.length ? values : Arrays.copyOf(values, size);
        }
    }
}
