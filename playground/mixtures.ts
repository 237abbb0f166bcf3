/** The Gaussian mixtures the playground shows (plain data, also read by the browser tests). */

/** The 2-D mixture of the Views, Samplers, Train and Likelihood views (three components). */
export const MIXTURE_2D = {
  weights: [0.45, 0.35, 0.2],
  means: [
    [-1.4, -0.6],
    [1.2, 1.0],
    [1.0, -1.5],
  ],
  covariances: [0.09, 0.12, 0.05],
};

/** The 1-D mixture of the Paths view's heat map. */
export const MIXTURE_1D = { weights: [0.6, 0.4], means: [[-1.5], [1.2]], covariances: [0.05, 0.2] };
