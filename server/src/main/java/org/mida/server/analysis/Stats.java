package org.mida.server.analysis;

import java.util.Arrays;

/**
 * Correlation statistics over columns where {@code NaN} marks a missing value. Pairs are
 * pairwise-complete: only rows where both values are present count. Pearson is computed in two passes
 * (means first, then centred sums) for accuracy; Spearman is Pearson over average ranks, so ties share
 * the mean of the ranks they span (the usual "fractional ranking"). A result is {@code NaN} when it is
 * undefined: fewer than 2 complete pairs, or a column constant over the complete pairs.
 */
final class Stats {
    private Stats() {}

    /** Number of rows where both {@code x} and {@code y} have a value. */
    static int completePairs(double[] x, double[] y) {
        int n = 0;
        int len = Math.min(x.length, y.length);
        for (int i = 0; i < len; i++) if (!Double.isNaN(x[i]) && !Double.isNaN(y[i])) n++;
        return n;
    }

    /** Pearson's r over the complete pairs of {@code x} and {@code y}. */
    static double pearson(double[] x, double[] y) {
        int len = Math.min(x.length, y.length);
        int n = 0;
        double sx = 0, sy = 0;
        for (int i = 0; i < len; i++) {
            double a = x[i], b = y[i];
            if (Double.isNaN(a) || Double.isNaN(b)) continue;
            sx += a;
            sy += b;
            n++;
        }
        if (n < 2) return Double.NaN;
        double mx = sx / n, my = sy / n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < len; i++) {
            double a = x[i], b = y[i];
            if (Double.isNaN(a) || Double.isNaN(b)) continue;
            double dx = a - mx, dy = b - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return Double.NaN;
        double r = sxy / Math.sqrt(sxx * syy);
        return Math.max(-1.0, Math.min(1.0, r));
    }

    /**
     * Average ranks (1-based) of the present values; missing values stay {@code NaN}. Ties get the mean
     * of the ranks they occupy: {@code [10, 20, 20, 30]} → {@code [1, 2.5, 2.5, 4]}.
     */
    static double[] averageRanks(double[] v) {
        double[] out = new double[v.length];
        Arrays.fill(out, Double.NaN);
        int n = 0;
        for (double d : v) if (!Double.isNaN(d)) n++;
        Integer[] idx = new Integer[n];
        int k = 0;
        for (int i = 0; i < v.length; i++) if (!Double.isNaN(v[i])) idx[k++] = i;
        Arrays.sort(idx, (a, b) -> Double.compare(v[a], v[b]));
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) j++;
            double rank = (i + j) / 2.0 + 1.0; // mean of ranks i+1 .. j+1
            for (int m = i; m <= j; m++) out[idx[m]] = rank;
            i = j + 1;
        }
        return out;
    }

    /** Spearman's rho over the complete pairs: both columns are ranked among the complete pairs only. */
    static double spearman(double[] x, double[] y) {
        int len = Math.min(x.length, y.length);
        double[] cx = new double[len], cy = new double[len];
        for (int i = 0; i < len; i++) {
            boolean both = !Double.isNaN(x[i]) && !Double.isNaN(y[i]);
            cx[i] = both ? x[i] : Double.NaN;
            cy[i] = both ? y[i] : Double.NaN;
        }
        return pearson(averageRanks(cx), averageRanks(cy));
    }

    /** Mean and sample standard deviation (n−1) of the present values; {@code NaN}s when undefined. */
    static double[] meanStd(double[] v) {
        int n = 0;
        double s = 0;
        for (double d : v)
            if (!Double.isNaN(d)) {
                s += d;
                n++;
            }
        if (n == 0) return new double[] {Double.NaN, Double.NaN};
        double m = s / n;
        if (n < 2) return new double[] {m, Double.NaN};
        double ss = 0;
        for (double d : v) if (!Double.isNaN(d)) ss += (d - m) * (d - m);
        return new double[] {m, Math.sqrt(ss / (n - 1))};
    }

    /**
     * The correlation matrices of several columns (all of the same length). Spearman ranks each column
     * once and reuses the ranks for pairs whose complete rows are exactly both columns' present rows
     * (the common case); other pairs are re-ranked over their complete rows, as pairwise-complete
     * Spearman requires.
     */
    record Matrices(double[][] pearson, double[][] spearman, int[][] pairs) {}

    static Matrices matrices(double[][] columns, boolean withPearson, boolean withSpearman) {
        int v = columns.length;
        double[][] p = withPearson ? new double[v][v] : null;
        double[][] s = withSpearman ? new double[v][v] : null;
        int[][] pairs = new int[v][v];
        int[] present = new int[v];
        double[][] ranks = withSpearman ? new double[v][] : null;
        for (int a = 0; a < v; a++) {
            for (double d : columns[a]) if (!Double.isNaN(d)) present[a]++;
            if (withSpearman) ranks[a] = averageRanks(columns[a]);
        }
        for (int a = 0; a < v; a++) {
            for (int b = a; b < v; b++) {
                int n = completePairs(columns[a], columns[b]);
                pairs[a][b] = pairs[b][a] = n;
                if (withPearson) {
                    double r = a == b ? (n >= 2 ? 1.0 : Double.NaN) : pearson(columns[a], columns[b]);
                    p[a][b] = p[b][a] = r;
                }
                if (withSpearman) {
                    double r;
                    if (a == b) r = n >= 2 ? 1.0 : Double.NaN;
                    else if (n == present[a] && n == present[b]) r = pearson(ranks[a], ranks[b]);
                    else r = spearman(columns[a], columns[b]);
                    s[a][b] = s[b][a] = r;
                }
            }
        }
        return new Matrices(p, s, pairs);
    }
}
