package io.profilekit.op;

/**
 * Folds a run of operations on one attribute into mutable state and freezes it into an operation
 * only when asked: starting from {@code a}, {@link #add adding} {@code b}, then {@code c}, gives a
 * {@link #result()} equal to {@code a.merge(b).merge(c)} (by {@code equals}, and so stored as the
 * same bytes), without building an immutable operation, and copying its list or arrays, per step.
 * The engine uses it while it applies a batch of events to one profile, where a hot user's
 * attribute may take dozens of merges before the profile is written once.
 *
 * <p>An accumulator folds only the operations that its family merges in place (such as a
 * single-event delta with the same settings); for anything else {@link #add} returns false and
 * the caller merges {@code result().merge(op)} the immutable way. Families whose merge allocates
 * nothing ({@code set}, {@code setOnce}) have no accumulator.
 *
 * <p>Not thread-safe: one owner adds and reads. The operations {@link #result()} hands out are
 * immutable and never change afterwards. Not part of the API.
 */
public abstract class Accumulator {

    Accumulator() {
    }

    /**
     * An accumulator holding {@code op}, or null when its family has none (or {@code op} has a
     * shape it does not fold in place): the caller then merges immutably.
     */
    public static Accumulator of(Operation op) {
        if (op instanceof Counter c) {
            return new Counter.Folder(c);
        }
        if (op instanceof RecentValues r) {
            return new RecentValues.Folder(r);
        }
        if (op instanceof TopValues t) {
            return new TopValues.Folder(t);
        }
        if (op instanceof WindowedCount w) {
            return WindowedCount.Folder.of(w);
        }
        if (op instanceof DecayingScore d) {
            return DecayingScore.Folder.of(d);
        }
        if (op instanceof CappedSet s) {
            return CappedSet.Folder.of(s);
        }
        if (op instanceof DecimalSum d) {
            return new DecimalSum.Folder(d);
        }
        if (op instanceof Extremum e) {
            return new Extremum.Folder(e);
        }
        return null;
    }

    /**
     * Folds {@code op} in, as {@code result().merge(op)} would; returns false, changing nothing,
     * when this accumulator cannot (another family, other settings, a multi-event operation).
     */
    public abstract boolean add(Operation op);

    /**
     * The fold so far as an immutable operation: the operation this accumulator started from
     * when nothing changed it, and the same object again until the next change.
     */
    public abstract Operation result();

    /**
     * For a windowed count: whether its window, as folded so far, still holds {@code bucket}; for
     * any other family, true. Answers without freezing the fold.
     */
    public boolean keepsBucket(long bucket) {
        return true;
    }
}
