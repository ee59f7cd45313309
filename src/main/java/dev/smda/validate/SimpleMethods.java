package dev.smda.validate;

import java.io.IOException;
import java.util.Random;

/** The baselines that read no gradients: a pair's own loss, and chance. */
final class SimpleMethods {

    private SimpleMethods() {}

    /** Every target scored by the pair's SFT loss on the base model: "the pairs the model finds surprising move it most". */
    record Loss() implements AttributionMethod {
        @Override
        public String name() {
            return "loss";
        }

        @Override
        public String description() {
            return "the pair's SFT loss on the base model, the same for every target";
        }

        @Override
        public Scores attribute(ValidationContext ctx) throws IOException {
            double[] loss = ctx.run.readAttributions().stream().mapToDouble(a -> a.baseLoss()).toArray();
            return Scores.of(repeat(loss, ctx.targets.probes()), repeat(loss, ctx.targets.categories().size()), repeat(loss, ctx.policy.features()));
        }

        private static double[][] repeat(double[] perPair, int targets) {
            double[][] out = new double[perPair.length][targets];
            for (int k = 0; k < perPair.length; k++) {
                java.util.Arrays.fill(out[k], perPair[k]);
            }
            return out;
        }
    }

    /** Independent standard normal scores (seeded): what chance scores. */
    record Chance() implements AttributionMethod {
        @Override
        public String name() {
            return "random";
        }

        @Override
        public String description() {
            return "independent standard normal scores (seeded)";
        }

        @Override
        public Scores attribute(ValidationContext ctx) {
            Random random = new Random(ctx.config.seed() ^ 0x5DEECE66DL);
            int pairs = ctx.pairs.size();
            return Scores.of(gaussian(random, pairs, ctx.targets.probes()), gaussian(random, pairs, ctx.targets.categories().size()),
                    gaussian(random, pairs, ctx.policy.features()));
        }

        private static double[][] gaussian(Random random, int rows, int cols) {
            double[][] out = new double[rows][cols];
            for (double[] row : out) {
                for (int j = 0; j < cols; j++) {
                    row[j] = random.nextGaussian();
                }
            }
            return out;
        }
    }
}
