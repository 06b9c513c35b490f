package io.profilekit;

import java.util.List;
import java.util.stream.Collectors;

/**
 * An event was rejected: it could not be decoded, or it broke its schema or a limit. Carries every
 * problem found, not only the first.
 */
public class InvalidEventException extends ProfileException {
    private static final long serialVersionUID = 1L;

    private final transient List<Violation> violations;

    public InvalidEventException(List<Violation> violations) {
        super(describe(violations));
        this.violations = List.copyOf(violations);
    }

    public InvalidEventException(Violation violation) {
        this(List.of(violation));
    }

    /** Every problem found, in the order they were found; never empty. */
    public List<Violation> violations() {
        return violations;
    }

    private static String describe(List<Violation> violations) {
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("an InvalidEventException needs at least one violation");
        }
        return violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
    }
}
