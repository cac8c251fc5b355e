package dev.fencelock.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.resource.ClientResources;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** {@link FencedRedis} over one Redis server: the token check and the write are one script. */
final class RedisFencedValues implements FencedRedis {
    /** Lua numbers are doubles: tokens up to 2^53 compare exactly. Fencelock's are about 2^51. */
    private static final long MAX_EXACT_TOKEN = 1L << 53;

    private final ClientResources resources = RedisNode.clientResources();
    private final RedisNode node;

    RedisFencedValues(RedisLockOptions options) {
        try {
            this.node = RedisNode.connect(options.uris().get(0), options.commandTimeout(), options.connectTimeout(), resources, null);
        } catch (RuntimeException e) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw e;
        }
    }

    @Override
    public Write write(String key, String value, long fencingToken) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (fencingToken < 0 || fencingToken > MAX_EXACT_TOKEN) {
            throw new IllegalArgumentException("fencingToken must be between 0 and 2^53 (compared exactly in Lua),"
                    + " was " + fencingToken);
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
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
