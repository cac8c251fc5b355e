package dev.fencelock.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** One row of the results: a scenario, a system, and its figures (medians over the rounds). */
record Result(int scenario, String system, Map<String, Double> figures, String note) {

    static Result of(int scenario, String system, Map<String, Double> figures) {
        return new Result(scenario, system, figures, null);
    }

    static Result skipped(int scenario, String system, String why) {
        return new Result(scenario, system, Map.of(), why);
    }

    /** The median of each figure over rounds of one system. */
    static Result median(int scenario, String system, List<Map<String, Double>> rounds) {
        Map<String, Double> medians = new LinkedHashMap<>();
        for (String key : rounds.get(0).keySet()) {
            List<Double> values = rounds.stream().map(round -> round.get(key)).sorted().toList();
            medians.put(key, values.get(values.size() / 2));
        }
        return of(scenario, system, medians);
    }

    double get(String figure) {
        return figures.getOrDefault(figure, Double.NaN);
    }

    String json() {
        String fields = figures.entrySet().stream()
                .map(e -> ",\"" + e.getKey() + "\":" + (e.getValue().isNaN() ? "null" : String.format(Locale.ROOT, "%.1f", e.getValue())))
                .collect(Collectors.joining());
        return "{\"scenario\":" + scenario + ",\"system\":\"" + system + "\"" + fields
                + (note == null ? "" : ",\"skipped\":\"" + note.replace("\"", "'") + "\"") + "}";
    }
}
