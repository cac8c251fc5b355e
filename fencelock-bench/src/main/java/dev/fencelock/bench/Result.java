package dev.fencelock.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One row of the results: a scenario, a system, and its fields in the order they are printed.
 * Numbers are medians over the rounds where the scenario has rounds; a field may also be a string
 * or a map (a breakdown of Redis commands).
 */
record Result(int scenario, String system, Map<String, Object> fields) {

    Result {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A row for a system that was not measured, and why. */
    static Result skipped(int scenario, String system, String why) {
        return new Result(scenario, system, Map.of("skipped", why));
    }

    /** The median of each figure over the rounds of one system, taken figure by figure. */
    static Result median(int scenario, String system, List<Map<String, Double>> rounds, Map<String, Object> extra) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (String key : rounds.get(0).keySet()) {
            List<Double> values = rounds.stream().map(round -> round.get(key)).sorted().toList();
            fields.put(key, median(values));
        }
        fields.put("rounds", rounds.size());
        fields.putAll(extra);
        return new Result(scenario, system, fields);
    }

    /** The middle value; the mean of the two middle values of an even count. */
    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    boolean isSkipped() {
        return fields.containsKey("skipped");
    }

    /** A numeric field, or NaN when absent. */
    double get(String field) {
        return fields.get(field) instanceof Number number ? number.doubleValue() : Double.NaN;
    }

    String json() {
        StringBuilder out = new StringBuilder("{\"scenario\":").append(scenario)
                .append(",\"system\":").append(jsonValue(system));
        fields.forEach((key, value) -> out.append(",").append(jsonValue(key)).append(":").append(jsonValue(value)));
        return out.append("}").toString();
    }

    private static String jsonValue(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Integer || value instanceof Long) {
            return value.toString();
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.1f", d) : "null";
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream()
                    .map(e -> jsonValue(String.valueOf(e.getKey())) + ":" + jsonValue(e.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toString().toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
