package dev.fencelock.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One row of the results: a scenario, a system, and its fields in the order they are printed.
 * Numbers are medians over the rounds where the scenario has rounds; a field may also be a string
 * or a map (a breakdown of Redis commands).
 */
record Result(int scenario, String system, Map<String, Object> fields) {
    private static final ObjectMapper JSON = new ObjectMapper();

    Result {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A row for a system that was not measured, and why. */
    static Result skipped(int scenario, String system, String why) {
        return new Result(scenario, system, Map.of("skipped", why));
    }

    /**
     * The median of each figure over the rounds of one system, taken figure by figure, over the
     * rounds that have it (a CPU figure may be unreadable in one round).
     */
    static Result median(int scenario, String system, List<Map<String, Double>> rounds, Map<String, Object> extra) {
        Map<String, Object> fields = new LinkedHashMap<>();
        Set<String> keys = new LinkedHashSet<>();
        rounds.forEach(round -> keys.addAll(round.keySet()));
        for (String key : keys) {
            List<Double> values = rounds.stream().map(round -> round.get(key)).filter(Objects::nonNull).sorted().toList();
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

    /** The row as JSON, one line; figures rounded to a tenth, NaN written as null. */
    String json() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("scenario", scenario);
        row.put("system", system);
        fields.forEach((key, value) -> row.put(key, rounded(value)));
        try {
            return JSON.writeValueAsString(row);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + row + " as JSON", e);
        }
    }

    private static Object rounded(Object value) {
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? Math.round(d * 10) / 10.0 : null;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((key, inner) -> copy.put(key, rounded(inner)));
            return copy;
        }
        return value;
    }
}
