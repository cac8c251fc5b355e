package dev.fencelock.redis;

import dev.fencelock.LockUnavailableException;
import java.util.Optional;

/**
 * The resource side of fencing for a value kept in Redis: a write is applied only when the
 * writer's fencing token is at least the token of the last accepted write, so a holder that was
 * paused past its lease cannot overwrite the work of the holder that came after it.
 *
 * <p>Each value is a Redis hash at the given key with the fields {@code value} and {@code fence};
 * the check and the write are one script. Obtain one with {@link RedisLocks#fencedRedis(String)}.
 * Thread-safe.
 */
public interface FencedRedis extends AutoCloseable {

    /**
     * Writes {@code value} at {@code key} if {@code fencingToken} is not older than the token of
     * the last accepted write.
     *
     * @return whether the write was accepted, and the token now stored
     * @throws IllegalArgumentException if the token is negative or above 2^53 (Lua compares numbers
     *     as doubles; Fencelock's tokens are microsecond timestamps, about 2^51)
     * @throws LockUnavailableException if Redis did not answer within the command timeout
     */
    Write write(String key, String value, long fencingToken);

    /**
     * The value at {@code key} and the token that wrote it, or empty if nothing was written.
     *
     * @throws LockUnavailableException if Redis did not answer within the command timeout
     */
    Optional<Value> read(String key);

    @Override
    void close();

    /**
     * The outcome of a fenced write.
     *
     * @param accepted whether the value was written
     * @param storedToken the token of the last accepted write: the caller's when accepted, the
     *     newer one that made it reject the write otherwise
     */
    record Write(boolean accepted, long storedToken) {}

    /**
     * A fenced value.
     *
     * @param value the value last written
     * @param fencingToken the token of the write that stored it
     */
    record Value(String value, long fencingToken) {}
}
