package io.profilekit;

/**
 * Receives each profile change after it is stored. Called on the thread that applied the events,
 * after the write and before {@code record} returns, so keep it quick (hand off to an executor for
 * slow work). An exception thrown here is logged and counted; it does not undo the write.
 *
 * <p>Called with no engine lock held, so a listener may call back into the engine ({@code get},
 * {@code record}, {@code erase}) for any user, from its own thread or another. A change is heard
 * at most once. When a store call fails after its writes landed, their changes are heard when the
 * engine next loads those users (its retry, or the same events handed in again) and finds the
 * writes; only if another writer changed a profile first is that change not heard. The changes of one user are heard in version order when one
 * thread at a time applies that user's events, as in a Kafka processor (a user's events come from
 * one partition); with concurrent {@code record} calls for one user, order them by
 * {@link ProfileChange#version()}.
 */
@FunctionalInterface
public interface ProfileChangeListener {
    void onChange(ProfileChange change);

    /** The user was erased at {@code erasedAt}: every copy of the profile and the live session are gone. */
    default void onErase(String userId, java.time.Instant erasedAt) {
    }
}
