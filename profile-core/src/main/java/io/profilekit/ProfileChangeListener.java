package io.profilekit;

/**
 * Receives each profile change after it is stored. Called on the thread that applied the events,
 * after the write and before {@code record} returns, so keep it quick (hand off to an executor for
 * slow work). An exception thrown here is logged and counted; it does not undo the write.
 */
@FunctionalInterface
public interface ProfileChangeListener {
    void onChange(ProfileChange change);
}
