package io.profilekit;

/**
 * Receives each profile change after it is stored. Called on the thread that applied the events,
 * after the write and before {@code record} returns, so keep it quick (hand off to an executor for
 * slow work). An exception thrown here is logged and counted; it does not undo the write.
 */
@FunctionalInterface
public interface ProfileChangeListener {
    void onChange(ProfileChange change);

    /** The user was erased at {@code erasedAt}: every copy of the profile and the live session are gone. */
    default void onErase(String userId, java.time.Instant erasedAt) {
    }
}
