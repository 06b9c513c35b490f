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
        long[] b = new long[b1.length + b2.length];
        long[] v = new long[b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < b1.length || j < b2.length) {
            if (j >= b2.length || (i < b1.length && b1[i] < b2[j])) {
                b[k] = b1[i];
                v[k++] = v1[i++];
            } else if (i >= b1.length || b2[j] < b1[i]) {
                b[k] = b2[j];
                v[k++] = v2[j++];
            } else {
                b[k] = b1[i];
                v[k++] = Counter.saturatedAdd(v1[i++], v2[j++]);
            }
        }
        long newest = b[k - 1];
        int from = 0;
        while (b[from] <= newest - keep) {
            from++;
        }
        return new Buckets(Arrays.copyOfRange(b, from, k), Arrays.copyOfRange(v, from, k));
    }
}
