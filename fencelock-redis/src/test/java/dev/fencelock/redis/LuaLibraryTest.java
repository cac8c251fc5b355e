package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A script includes exactly the library functions it calls, directly or through another, with their comments. */
class LuaLibraryTest {
    private static final String LIBRARY = """
            -- The file's own comment, above a blank line: no function's.

            -- The clock.
            local function clock()
              return redis.call('TIME')
            end

            -- Unused by the scripts below.
            local function unused()
              return clock()
            end

            -- Takes the key at the clock's time.
            local function take(key)
              local function nested()
                return clock()
              end
              return redis.call('SET', key, nested()[1])
            end
            """;

    @Test
    void aScriptGetsTheFunctionsItCallsAndTheirsInTheFilesOrder() {
        String included = LuaLibrary.parse("lib.lua", LIBRARY).definitionsCalledBy("return take(KEYS[1])");

        assertThat(included).isEqualTo("""
                -- The clock.
                local function clock()
                  return redis.call('TIME')
                end
                -- Takes the key at the clock's time.
                local function take(key)
                  local function nested()
                    return clock()
                  end
                  return redis.call('SET', key, nested()[1])
                end
                """);
    }

    @Test
    void aNameInACommentOrInsideALongerNameCallsNothing() {
        LuaLibrary library = LuaLibrary.parse("lib.lua", LIBRARY);

        assertThat(library.definitionsCalledBy("-- take() is not called here\nlocal takeover = 1\nreturn takeover")).isEmpty();
    }

    @Test
    void theShippedScriptsCarryOnlyWhatTheyCall() {
        assertThat(LuaScript.ACQUIRE.source()).contains("local function mintSharedToken(", "local function serverNow(")
                .doesNotContain("local function permitCount(", "local function releaseLock(");
        assertThat(LuaScript.RELEASE.source()).contains("local function releaseLock(", "local function publish(")
                .doesNotContain("local function mintSharedToken(");
    }

    @Test
    void aFunctionWithoutItsEndLineIsNamed() {
        assertThatThrownBy(() -> LuaLibrary.parse("lib.lua", "local function open()\n  return 1\n  end\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("function open in lib.lua");
        assertThatThrownBy(() -> LuaLibrary.parse("lib.lua", "local function open()\n  return 1\n  end\nlocal function next()\nend\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("function open in lib.lua").hasMessageEndingWith("before function next");
    }
}
