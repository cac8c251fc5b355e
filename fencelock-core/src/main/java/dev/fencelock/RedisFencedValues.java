package dev.fencelock;

import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** {@link FencedRedis} over one Redis server: the token check and the write are one script. */
final class RedisFencedValues implements FencedRedis {
    private final RedisNode node;

    RedisFencedValues(RedisNode node) {
        this.node = node;
    }

    @Override
    public Write write(String key, String value, long fencingToken) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (fencingToken < 0) {
            throw new IllegalArgumentException("fencingToken must not be negative, was " + fencingToken);
        }
        List<Long> reply = node.await(node.run(LuaScript.FENCED_WRITE, ScriptOutputType.MULTI,
                new String[] {key}, value, Long.toString(fencingToken)));
        return new Write(reply.get(0) == 1, reply.get(1));
    }

    @Override
    public Optional<Value> read(String key) {
        Objects.requireNonNull(key, "key");
        Map<String, String> hash = node.await(node.unavailableOnFailure(node.commands().hgetall(key)));
        String fence = hash.get("fence");
        return fence == null ? Optional.empty() : Optional.of(new Value(hash.get("value"), Long.parseLong(fence)));
    }

    @Override
    public void close() {
        node.close();
    }
}
