package dev.fencelock.cli;

import dev.fencelock.LockInfo;
import java.util.List;
import java.util.stream.Collectors;

/** The JSON of {@code status --json} and {@code list --json}: small enough to write by hand. */
final class Json {
    private Json() {}

    static String of(LockInfo info) {
        return "{\"name\":" + string(info.name())
                + ",\"held\":" + info.isHeld()
                + ",\"holder\":" + info.holder().map(Json::string).orElse("null")
                + ",\"remaining_ms\":" + info.remaining().map(r -> Long.toString(r.toMillis())).orElse("null")
                + ",\"readers\":" + info.readers()
                + ",\"permits\":" + info.permits()
                + ",\"last_fencing_token\":" + (info.lastFencingToken().isPresent()
                        ? Long.toString(info.lastFencingToken().getAsLong()) : "null")
                + "}";
    }

    static String of(List<LockInfo> infos) {
        return infos.stream().map(Json::of).collect(Collectors.joining(",", "[", "]"));
    }

    static String string(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
