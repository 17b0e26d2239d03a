package dev.revisor.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Summary of one sample of measurements: median and spread (min, max, p95). Percentiles use the nearest-rank
 * method (the smallest value with at least p% of the sample at or below it), so every figure reported is a value
 * that was actually measured; the median of an even sample is the mean of the two middle values.
 */
public final class Stats {
    private final List<Double> sorted;

    private Stats(List<Double> sorted) {
        this.sorted = sorted;
    }

    /** @throws IllegalArgumentException for an empty sample or a value that is not a finite number */
    public static Stats of(Collection<? extends Number> values) {
        List<Double> list = new ArrayList<>(values.size());
        for (Number n : values) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("not a finite measurement: " + n);
            }
            list.add(d);
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no measurements");
        }
        Collections.sort(list);
        return new Stats(List.copyOf(list));
    }

    public int n() {
        return sorted.size();
    }

    public double min() {
        return sorted.get(0);
    }

    public double max() {
        return sorted.get(sorted.size() - 1);
    }

    public double median() {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** @param p percentile in (0, 100] */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(rank, 1) - 1);
    }

    public double p95() {
        return percentile(95);
    }

    public double mean() {
        double sum = 0;
        for (double d : sorted) {
            sum += d;
        }
        return sum / sorted.size();
    }

    public List<Double> values() {
        return sorted;
    }

    /** "median 512 (min 480, p95 600, max 610, n=7)" with the given number format, e.g. "%.0f" */
    public String describe(String format) {
        return String.format(Locale.ROOT, "median " + format + " (min " + format + ", p95 " + format + ", max " + format
                + ", n=%d)", median(), min(), p95(), max(), n());
    }

    @Override
    public String toString() {
        return describe("%.1f");
    }
}
