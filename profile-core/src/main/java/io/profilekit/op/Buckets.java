package io.profilekit.op;

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
}
