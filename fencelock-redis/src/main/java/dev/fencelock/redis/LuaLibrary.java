package dev.fencelock.redis;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A file of Lua functions that scripts include ({@code lib.lua}): each {@code local function} at
 * the start of a line, with the comment lines right above it, up to its {@code end} line. A script
 * gets only the functions it calls, directly or through another, because Redis runs a script's
 * whole text on every call: defining all of {@code lib.lua}'s functions cost 0.9 µs of server time
 * per call ({@code INFO commandstats}), almost as much as a {@code redis.call}.
 */
final class LuaLibrary {
    private static final Pattern FUNCTION = Pattern.compile("local function (\\w+)\\(.*");
    private static final String END = "end";

    /** Each function's text, by name, in the file's order: a function calls only the ones above it. */
    private final Map<String, String> definitions;

    private LuaLibrary(Map<String, String> definitions) {
        this.definitions = definitions;
    }

    static LuaLibrary parse(String name, String text) {
        Map<String, String> definitions = new LinkedHashMap<>();
        StringBuilder comment = new StringBuilder();
        StringBuilder function = null;
        String functionName = null;
        for (String line : text.lines().toList()) {
            Matcher start = FUNCTION.matcher(line);
            if (function != null && start.matches()) {
                throw missingEnd(name, functionName, " before function " + start.group(1));
            }
            if (function != null) {
                function.append(line).append('\n');
                if (line.equals(END)) {
                    definitions.put(functionName, function.toString());
                    function = null;
                }
                continue;
            }
            if (start.matches()) {
                functionName = start.group(1);
                function = new StringBuilder(comment).append(line).append('\n');
                comment.setLength(0);
            } else if (line.startsWith("--")) {
                comment.append(line).append('\n');
            } else {
                comment.setLength(0);
            }
        }
        if (function != null) {
            throw missingEnd(name, functionName, "");
        }
        return new LuaLibrary(definitions);
    }

    private static IllegalStateException missingEnd(String library, String function, String where) {
        return new IllegalStateException("function " + function + " in " + library + " has no '" + END
                + "' line at the start of a line" + where);
    }

    /** The definitions of the functions that {@code code} calls, directly or through another, in the file's order. */
    String definitionsCalledBy(String code) {
        Set<String> called = new HashSet<>();
        Deque<String> unread = new ArrayDeque<>();
        unread.push(code);
        while (!unread.isEmpty()) {
            String read = withoutComments(unread.pop());
            for (Map.Entry<String, String> definition : definitions.entrySet()) {
                if (!called.contains(definition.getKey()) && names(read, definition.getKey())) {
                    called.add(definition.getKey());
                    unread.push(definition.getValue());
                }
            }
        }
        return definitions.entrySet().stream()
                .filter(definition -> called.contains(definition.getKey()))
                .map(Map.Entry::getValue)
                .collect(Collectors.joining());
    }

    private static boolean names(String code, String function) {
        return Pattern.compile("\\b" + function + "\\b").matcher(code).find();
    }

    private static String withoutComments(String code) {
        return code.lines().map(line -> line.replaceFirst("--.*", "")).collect(Collectors.joining("\n"));
    }
}
