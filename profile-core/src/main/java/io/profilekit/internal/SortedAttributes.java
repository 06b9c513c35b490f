package io.profilekit.internal;

import io.profilekit.op.Accumulator;
import io.profilekit.op.Operation;
import io.profilekit.spi.ProfileState;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A profile's attributes as an immutable map over two arrays sorted by name: compact (no entry
 * objects, no hash table) and cheap to copy into a {@link Builder} and back, which the engine does
 * once per user per batch. Not part of the API.
 */
public final class SortedAttributes extends AbstractMap<String, Operation> {
    private static final SortedAttributes EMPTY = new SortedAttributes(new String[0], new Operation[0], 0);

    private final String[] names;
    private final Operation[] operations;
    private final int size;
    /** The JSON this map was read from, with each operation's span in it; null when not read (or forgotten). */
    private Source source;
    /** For a map built from a map that was read: that map, whose spans this one's unchanged operations reuse. */
    private SortedAttributes readFrom;

    /**
     * Bytes {@code [spans[2i], spans[2i + 1])} of {@code json} are the JSON of operation i; an end
     * of -1 marks one not to copy (read from text the writer would spell otherwise).
     */
    private record Source(byte[] json, int[] spans) {
    }

    private SortedAttributes(String[] names, Operation[] operations, int size) {
        this.names = names;
        this.operations = operations;
        this.size = size;
    }

    /** The map as a SortedAttributes: itself when it already is one, else a sorted copy. */
    public static SortedAttributes copyOf(Map<String, Operation> map) {
        if (map instanceof SortedAttributes s) {
            return s;
        }
        if (map.isEmpty()) {
            return EMPTY;
        }
        Builder b = new Builder(map.size());
        map.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new NullPointerException("attribute names and operations must not be null");
            }
            b.merge(k, v);
        });
        return b.build();
    }

    public static SortedAttributes empty() {
        return EMPTY;
    }

    private static int indexOf(String[] names, int size, String name) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            String m = names[mid];
            int c = m == name ? 0 : m.compareTo(name);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    @Override
    public Operation get(Object key) {
        if (!(key instanceof String name)) {
            return null;
        }
        int i = indexOf(names, size, name);
        return i >= 0 ? operations[i] : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return size;
    }

    /** Whether the two maps hold one names array between them (for tests). */
    boolean sharesNamesWith(SortedAttributes other) {
        return names == other.names;
    }

    /** The {@code i}-th name in order, {@code 0 <= i < size()}. */
    public String name(int i) {
        return names[i];
    }

    /** The operation of the {@code i}-th name in order. */
    public Operation operation(int i) {
        return operations[i];
    }

    /**
     * Adopts arrays whose first {@code size} names are strictly increasing and whose operations are
     * not null (the caller gives the arrays up); null when they are not.
     */
    public static SortedAttributes adoptSorted(String[] names, Operation[] operations, int size) {
        for (int i = 0; i < size; i++) {
            if (operations[i] == null || names[i] == null || (i > 0 && names[i - 1].compareTo(names[i]) >= 0)) {
                return null;
            }
        }
        return size == 0 ? EMPTY : new SortedAttributes(names, operations, size);
    }

    /**
     * Notes that this map was read from {@code json}, operation i from bytes {@code [spans[2i],
     * spans[2i + 1])} (an end of -1: not to be copied), so that {@link #writeAsRead} can copy what
     * did not change instead of encoding it again. The caller gives up both arrays and must not
     * change them. The link is a cache hint, set once before the map is shared; the fields are not
     * volatile, and a thread that does not see them encodes instead.
     */
    public void readFrom(byte[] json, int[] spans) {
        if (this != EMPTY) {
            source = new Source(json, spans);
        }
    }

    /**
     * Writes operation {@code i} as the JSON it was read from, when this map was read from JSON or
     * built from a map that was, and the operation is the very object read (operations are
     * immutable, so it still reads the same); returns false, writing nothing, otherwise.
     */
    public boolean writeAsRead(int i, JsonBytes out) {
        SortedAttributes from = source != null ? this : readFrom;
        Source s = from != null ? from.source : null;
        if (s == null) {
            return false;
        }
        // a batch rarely adds an attribute: then the names array is the one read, and so is i
        int j = from.names == names && from.size == size ? i : indexOf(from.names, from.size, names[i]);
        if (j < 0 || from.operations[j] != operations[i] || s.spans()[2 * j + 1] < 0) {
            return false;
        }
        out.raw(s.json(), s.spans()[2 * j], s.spans()[2 * j + 1]);
        return true;
    }

    /** Lets go of the map this one was built from, and with it of the JSON that was read. */
    public void forgetReadFrom() {
        readFrom = null;
    }

    /**
     * {@code state} itself when its attributes keep no JSON read (see {@link #readFrom}), else a
     * copy whose attributes do not (sharing their arrays): for states kept a long time, as caches
     * keep them, which then take no more memory than states built in memory.
     */
    public static ProfileState lean(ProfileState state) {
        if (!(state.attributes() instanceof SortedAttributes a) || (a.source == null && a.readFrom == null)) {
            return state;
        }
        return new ProfileState(state.userId(), state.version(), new SortedAttributes(a.names, a.operations, a.size),
                state.lastEventTime(), state.seenEvents(), state.fences(), state.erasedAt());
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super Operation> action) {
        for (int i = 0; i < size; i++) {
            action.accept(names[i], operations[i]);
        }
    }

    @Override
    public Set<Entry<String, Operation>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Operation>> iterator() {
                return new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < size;
                    }

                    @Override
                    public Entry<String, Operation> next() {
                        if (i >= size) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, Operation> e = Map.entry(names[i], operations[i]);
                        i++;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** Whether {@code op}, if a windowed count, still holds {@code bucket} in its window. */
    static boolean keeps(Operation op, long bucket) {
        return !(op instanceof io.profilekit.op.WindowedCount w) || w.buckets().length == 0
                || w.keeps(bucket, w.buckets()[w.buckets().length - 1]);
    }

    /** A mutable copy for merging operations in; it shares this map's names until one is added. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Merges operations into a copy of a {@link SortedAttributes}. {@link #fold} keeps an
     * {@link Accumulator} per attribute that a run of operations is folded into, and freezes it on
     * {@link #get} or {@link #build}: the result equals merging the operations one by one. Not
     * thread-safe.
     */
    public static final class Builder {
        /** Shared with the map the builder started from while {@link #namesShared}: never written then. */
        private String[] names;
        private boolean namesShared;
        private Operation[] operations;
        /** Per attribute, the accumulator holding its newer state than {@code operations}, or null. */
        private Accumulator[] folds;
        private int size;
        /** The map read from JSON that this one started from, directly or through one build, or null. */
        private SortedAttributes readFrom;

        /**
         * Starts from {@code from}: its names are shared (a batch rarely adds an attribute, and a
         * profile's next version then holds the same names array), its operations copied.
         */
        Builder(SortedAttributes from) {
            this.names = from.names;
            this.namesShared = true;
            this.operations = Arrays.copyOf(from.operations, from.size);
            this.size = from.size;
            this.readFrom = from.source != null ? from : from.readFrom;
        }

        /** Starts empty, with room for {@code capacity} attributes. */
        Builder(int capacity) {
            this.names = new String[capacity];
            this.operations = new Operation[capacity];
        }

        /** Merges an operation into the attribute, or adds the attribute. */
        public void merge(String name, Operation op) {
            int i = indexOf(names, size, name);
            if (i >= 0) {
                operations[i] = current(i).merge(op);
                return;
            }
            insert(-(i + 1), name, op);
        }

        /**
         * Merges an operation into the attribute as {@link #merge} does, but into a mutable
         * accumulator kept until {@link #get} or {@link #build}: for an attribute that many
         * operations go to in a row (a hot user's batch), instead of one immutable copy per
         * operation.
         */
        public void fold(String name, Operation op) {
            int i = indexOf(names, size, name);
            if (i < 0) {
                insert(-(i + 1), name, op);
                return;
            }
            Accumulator f = folds != null ? folds[i] : null;
            if (f == null) {
                f = Accumulator.of(operations[i]);
                if (f == null) {
                    operations[i] = operations[i].merge(op);
                    return;
                }
                if (folds == null) {
                    folds = new Accumulator[operations.length];
                }
                folds[i] = f;
            }
            if (!f.add(op)) {
                operations[i] = f.result().merge(op);
                folds[i] = null;
            }
        }

        private void insert(int at, String name, Operation op) {
            if (namesShared || size == names.length || size == operations.length) {
                // an event adds its attributes together (a new user's first event, all of them)
                int length = size + 8;
                String[] n = new String[length];
                System.arraycopy(names, 0, n, 0, size);
                names = n;
                namesShared = false;
                Operation[] o = new Operation[length];
                System.arraycopy(operations, 0, o, 0, size);
                operations = o;
                if (folds != null) {
                    Accumulator[] f = new Accumulator[length];
                    System.arraycopy(folds, 0, f, 0, size);
                    folds = f;
                }
            }
            System.arraycopy(names, at, names, at + 1, size - at);
            System.arraycopy(operations, at, operations, at + 1, size - at);
            if (folds != null) {
                System.arraycopy(folds, at, folds, at + 1, size - at);
                folds[at] = null;
            }
            names[at] = name;
            operations[at] = op;
            size++;
        }

        /** The operation at {@code i}, its accumulator frozen into it. */
        private Operation current(int i) {
            if (folds != null && folds[i] != null) {
                operations[i] = folds[i].result();
                folds[i] = null;
            }
            return operations[i];
        }

        /** The attribute's operation as merged so far, or null. */
        /**
         * Whether the attribute, a windowed count, still holds {@code bucket} in its window as
         * applied so far; true when it is not a windowed count. Does not freeze a fold.
         */
        public boolean keepsBucket(String name, long bucket) {
            int i = indexOf(names, size, name);
            if (i < 0) {
                return true;
            }
            if (folds != null && folds[i] != null) {
                return folds[i].keepsBucket(bucket);
            }
            return keeps(operations[i], bucket);
        }

        public Operation get(String name) {
            int i = indexOf(names, size, name);
            if (i < 0) {
                return null;
            }
            // frozen but kept: the accumulator hands out the same object until its next change
            return folds != null && folds[i] != null ? folds[i].result() : operations[i];
        }

        /** The attributes as an immutable map; the builder must not be used afterwards. */
        public SortedAttributes build() {
            if (size == 0) {
                return EMPTY;
            }
            if (folds != null) {
                for (int i = 0; i < size; i++) {
                    current(i);
                }
                folds = null;
            }
            // names shared with the start are shared already; new ones are made shared with other profiles
            SortedAttributes out = new SortedAttributes(namesShared ? names : InternedNames.intern(names, size),
                    operations, size);
            out.readFrom = readFrom;
            names = null;
            operations = null;
            return out;
        }
    }
}
