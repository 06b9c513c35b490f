package io.profilekit;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A profile's attributes that one write changed, for {@link ProfileChangeListener}s.
 *
 * @param userId        the user
 * @param version       the profile's version after the write
 * @param changes       each attribute whose value changed, with its value before and after
 * @param causeEventIds the ids of the events the write applied, in the order applied
 */
public record ProfileChange(String userId, long version, List<AttributeChange> changes, List<String> causeEventIds) {
    public ProfileChange {
        Objects.requireNonNull(userId, "userId");
        changes = List.copyOf(changes);
        causeEventIds = List.copyOf(causeEventIds);
    }

    /**
     * One attribute's change.
     *
     * @param name   the attribute
     * @param before its value before the write, empty when it had none
     * @param after  its value after the write, empty when it was removed
     */
    public record AttributeChange(String name, Optional<Object> before, Optional<Object> after) {
        public AttributeChange {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(before, "before");
            Objects.requireNonNull(after, "after");
        }
    }
}
