package org.mida.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Known values. The reference numbers were computed independently with numpy 2.4 in the CI venv
 * ({@code np.corrcoef(x, y)[0, 1]}; Spearman as {@code np.corrcoef} of average ranks computed by a
 * separate Python loop), and, where noted, by hand.
 */
class StatsTest {
    private static final double NaN = Double.NaN;

    @Test
    void perfect_positive_and_negative_linear_relations_give_plus_and_minus_one() {
        double[] x = {1, 2, 3, 4, 5};
        assertThat(Stats.pearson(x, new double[] {3, 5, 7, 9, 11})).isCloseTo(1.0, within(1e-12));
        assertThat(Stats.pearson(x, new double[] {10, 8, 6, 4, 2})).isCloseTo(-1.0, within(1e-12));
        // monotonic but not linear: Spearman is exactly 1, Pearson less
        double[] cubes = {1, 8, 27, 64, 125};
        assertThat(Stats.spearman(x, cubes)).isEqualTo(1.0);
        assertThat(Stats.pearson(x, cubes)).isLessThan(0.99);
        assertThat(Stats.spearman(x, new double[] {125, 64, 27, 8, 1})).isEqualTo(-1.0);
    }

    @Test
    void textbook_example_matches_numpy_and_the_rank_difference_formula() {
        // age vs glucose level, a common textbook example
        double[] x = {43, 21, 25, 42, 57, 59};
        double[] y = {99, 65, 79, 75, 87, 81};
        assertThat(Stats.pearson(x, y)).isCloseTo(0.5298089018901743, within(1e-12));
        // no ties: rho = 1 - 6 Σd² / (n(n²-1)); ranks x = 4 1 2 3 5 6, y = 6 1 3 2 5 4, Σd² = 10
        double byHand = 1 - 6.0 * 10 / (6 * (36 - 1));
        assertThat(Stats.spearman(x, y)).isCloseTo(byHand, within(1e-12));
        assertThat(byHand).isCloseTo(0.7142857142857143, within(1e-15));
        double[] ms = Stats.meanStd(x);
        assertThat(ms[0]).isCloseTo(41.166666666666664, within(1e-12));
        assertThat(ms[1]).isCloseTo(15.753306531222792, within(1e-12)); // ddof = 1
    }

    @Test
    void ties_get_average_ranks() {
        assertThat(Stats.averageRanks(new double[] {10, 20, 20, 30})).containsExactly(1, 2.5, 2.5, 4);
        assertThat(Stats.averageRanks(new double[] {5, NaN, 5, 5, 1})).containsExactly(3, NaN, 3, 3, 1);
        double[] x = {1, 2, 2, 3, 4, 5, 5, 5};
        double[] y = {2, 1, 3, 3, 6, 5, 7, 8};
        assertThat(Stats.pearson(x, y)).isCloseTo(0.888242398338048, within(1e-12));
        assertThat(Stats.spearman(x, y)).isCloseTo(0.8706358081229185, within(1e-12));
    }

    @Test
    void missing_values_are_left_out_pairwise() {
        double[] x = {1, NaN, 2, 3, 4, 5, 6};
        double[] y = {2, 5, NaN, 1, 4, 9, 7};
        assertThat(Stats.completePairs(x, y)).isEqualTo(5);
        assertThat(Stats.pearson(x, y)).isCloseTo(0.7964658242112905, within(1e-12));
        // ranked among the 5 complete pairs only
        assertThat(Stats.spearman(x, y)).isCloseTo(0.8, within(1e-12));
        Stats.Matrices m = Stats.matrices(new double[][] {x, y}, true, true);
        assertThat(m.pairs()[0][1]).isEqualTo(5);
        assertThat(m.pairs()[0][0]).isEqualTo(6);
        assertThat(m.pearson()[0][1]).isCloseTo(0.7964658242112905, within(1e-12));
        assertThat(m.spearman()[1][0]).isCloseTo(0.8, within(1e-12));
        assertThat(m.pearson()[0][0]).isEqualTo(1.0);
    }

    @Test
    void matrices_reuse_ranks_when_both_columns_are_complete() {
        double[] x = {1, 2, 2, 3, 4, 5, 5, 5};
        double[] y = {2, 1, 3, 3, 6, 5, 7, 8};
        Stats.Matrices m = Stats.matrices(new double[][] {x, y}, false, true);
        assertThat(m.pearson()).isNull();
        assertThat(m.spearman()[0][1]).isCloseTo(0.8706358081229185, within(1e-12));
    }

    @Test
    void undefined_coefficients_are_nan() {
        assertThat(Stats.pearson(new double[] {1, 2, 3}, new double[] {4, 4, 4}))
                .isNaN();
        assertThat(Stats.pearson(new double[] {1}, new double[] {2})).isNaN();
        assertThat(Stats.spearman(new double[] {1, NaN, 3}, new double[] {NaN, 2, 3}))
                .isNaN();
        assertThat(Stats.meanStd(new double[] {NaN})[0]).isNaN();
    }
}
