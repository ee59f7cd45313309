package dev.smda.bench;

import dev.smda.attribution.PairEffects;
import dev.smda.data.DataSets;
import dev.smda.data.Jsonl;
import dev.smda.data.SftPair;
import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.progress.Progress;
import dev.smda.run.RunConfig;
import dev.smda.run.RunInputs;
import dev.smda.run.RunManifest;
import dev.smda.run.SmdaRun;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftTrainer;
import dev.smda.world.WorldGenerator;
import dev.smda.world.WorldLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SMDA at scale: a world's model, SAE and probes with {@code count} generated pairs (planted truth
 * beside them), run with the gradient estimator; the time per phase, the cost per pair beside one
 * SFT step on a pair measured in the same process, and the peak resident memory of each stretch of
 * the run (before the pairs, each tenth of the pairs, after them).
 */
public final class ScaleBenchmark {

    /**
     * What the run took: seconds per phase, pairs, seconds per pair in the estimation phase, one SFT
     * step's median seconds, and the peak resident memory of each stretch of the run (see
     * {@link MemoryWatch}; {@code memoryPerStretch} false where the system kept one peak for the whole process).
     */
    public record Result(int pairs, Map<String, Double> phases, double perPair, double sftStep, List<MemoryWatch.Stretch> memory, boolean memoryPerStretch,
            double seconds) {

        /** The whole run's peak resident bytes. */
        public long peakBytes() {
            return memory.stream().mapToLong(MemoryWatch.Stretch::peakBytes).max().orElse(-1);
        }
    }

    private ScaleBenchmark() {}

    public static Result run(Path world, int count, RunConfig config, Path work, Progress.Factory progress) throws IOException {
        Set<String> avoid = new HashSet<>();
        DataSets.probes(world.resolve(WorldLayout.PROBES)).forEach(p -> avoid.add(p.prompt()));
        List<SftPair> pairs = new WorldGenerator(count).morePairs(count, avoid).pairs();
        Path pairsFile = work.resolve("pairs.jsonl");
        Jsonl.write(pairsFile, pairs);
        double step = sftStep(world, pairs, config);
        MemoryWatch memory = new MemoryWatch(progress);
        long start = System.nanoTime();
        SmdaRun.Result r = new SmdaRun(config, new RunInputs(world.resolve(WorldLayout.MODEL), world.resolve(WorldLayout.SAE),
                world.resolve(WorldLayout.PROBES), pairsFile), work.resolve("run"), memory).execute(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        RunManifest manifest = r.directory().readManifest();
        double perPair = manifest.estimationSeconds() / count;
        return new Result(count, manifest.timings(), perPair, step, memory.stretches(), memory.resettable(), seconds);
    }

    /** The median time of one SFT step (the run's update) on one pair, over the first 32 pairs. */
    private static double sftStep(Path world, List<SftPair> pairs, RunConfig config) throws IOException {
        try (LanguageModel lm = Models.open(world.resolve(WorldLayout.MODEL), Models.dtype(config.dtype()))) {
            SftConfig update = config.update().toSftConfig(config.seed());
            List<SftExample> examples = pairs.subList(0, Math.min(32, pairs.size())).stream().map(p -> PairEffects.example(lm, p, config.maxLength())).toList();
            int[] i = {0};
            return Timing.median(3, examples.size(), () -> SftTrainer.fineTune(lm.model(), List.of(examples.get(i[0]++ % examples.size())), update).close());
        }
    }
}
