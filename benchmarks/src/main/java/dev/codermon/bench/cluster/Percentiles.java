package dev.codermon.bench.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Times in milliseconds and their p50, p99 and max (nearest-rank), counting the ones that never came. */
final class Percentiles {

    private final List<Double> millis = new ArrayList<>();
    private int missed;

    synchronized void add(double ms) {
        millis.add(ms);
    }

    synchronized void miss() {
        missed++;
    }

    synchronized int count() {
        return millis.size();
    }

    synchronized int missed() {
        return missed;
    }

    synchronized double at(double fraction) {
        if (millis.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(fraction * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** A markdown table row: label, count, missed, p50, p99, max. */
    String row(String label) {
        return String.format(java.util.Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.1f |", label, count(), missed(),
                at(0.50), at(0.99), at(1.0));
    }

    static String header(String what) {
        return "| " + what + " | changes | not seen within the deadline | p50 ms | p99 ms | max ms |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: |";
    }
}
