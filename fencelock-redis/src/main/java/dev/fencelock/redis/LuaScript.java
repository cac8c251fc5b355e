package dev.fencelock.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Lua script loaded from this package's resources, with the SHA-1 that EVALSHA names it by. A
 * line {@code --! include lib.lua} is replaced by the functions of that {@link LuaLibrary} that
 * the script calls, so that scripts share functions and Redis still gets each script whole.
 */
final class LuaScript {
    private static final String INCLUDE = "--! include ";
    /** Each included library, parsed once for all the scripts that include it; before the scripts, which fill it. */
    private static final Map<String, LuaLibrary> LIBRARIES = new HashMap<>();

    static final LuaScript ACQUIRE = load("acquire.lua");
    static final LuaScript RELEASE = load("release.lua");
    static final LuaScript FAIR_ACQUIRE = load("fair-acquire.lua");
    static final LuaScript READ_ACQUIRE = load("read-acquire.lua");
    static final LuaScript READ_RELEASE = load("read-release.lua");
    static final LuaScript COUNT_READERS = load("count-readers.lua");
    static final LuaScript RENEW = load("renew.lua");
    static final LuaScript FENCED_WRITE = load("fenced-write.lua");
    static final LuaScript RAISE_FENCE = load("raise-fence.lua");
    static final LuaScript PERMIT_ACQUIRE = load("permit-acquire.lua");
    static final LuaScript PERMIT_RELEASE = load("permit-release.lua");
    static final LuaScript COUNT_PERMITS = load("count-permits.lua");
    static final LuaScript MULTI_RELEASE = load("multi-release.lua");
    static final LuaScript LEAVE_QUEUE = load("leave-queue.lua");
    static final LuaScript RESTART_PROBE = load("restart-probe.lua");
    /** Every script, loaded on each server at connect. */
    static final List<LuaScript> ALL = List.of(ACQUIRE, RELEASE, FAIR_ACQUIRE, READ_ACQUIRE, READ_RELEASE,
            COUNT_READERS, RENEW, FENCED_WRITE, RAISE_FENCE, PERMIT_ACQUIRE, PERMIT_RELEASE, COUNT_PERMITS, MULTI_RELEASE,
            LEAVE_QUEUE, RESTART_PROBE);

    private final String name;
    private final String source;
    private final String sha;

    private LuaScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1(source);
    }

    static LuaScript load(String resource) {
        List<String> lines = read(resource).lines().toList();
        String code = lines.stream().filter(line -> !line.startsWith(INCLUDE)).collect(Collectors.joining("\n"));
        return new LuaScript(resource, lines.stream()
                .map(line -> line.startsWith(INCLUDE) ? included(line.substring(INCLUDE.length()).strip(), code) : line + "\n")
                .collect(Collectors.joining()));
    }

    private static String included(String library, String code) {
        return LIBRARIES.computeIfAbsent(library, name -> LuaLibrary.parse(name, read(name))).definitionsCalledBy(code);
    }

    private static String read(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script resource " + resource, e);
        }
    }

    String source() {
        return source;
    }

    String sha() {
        return sha;
    }

    private static String sha1(String source) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            return HexFormat.of().formatHex(digest.digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
