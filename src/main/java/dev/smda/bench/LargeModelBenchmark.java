package dev.smda.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.data.DataSets;
import dev.smda.data.Jsonl;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.io.Json;
import dev.smda.lm.HfCheckpoint;
import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.model.LlamaConfig;
import dev.smda.model.RopeScaling;
import dev.smda.progress.Progress;
import dev.smda.run.RunConfig;
import dev.smda.run.RunInputs;
import dev.smda.run.SmdaRun;
import dev.smda.sae.Sae;
import dev.smda.sae.SaeConfig;
import dev.smda.sae.SaeFiles;
import dev.smda.tensor.DType;
import dev.smda.tensor.Tensors;
import dev.smda.tensor.Torch;
import dev.smda.world.WorldLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * SMDA on a model of Llama-3.2-3B's shapes: random weights stored as BF16 in a Hugging Face folder
 * (computed in float32: DJL 0.35.1 cannot compute in BF16), a random TopK SAE of its width at its
 * middle layer, a few of a world's probes and one of its pairs, run through each estimator as
 * {@code smda run} runs it. Reports each run's time per phase and peak resident memory, the engine's
 * rate on the model, and what the same floating-point work would take on one H100.
 */
public final class LargeModelBenchmark {

    /** Llama-3.2-3B-Instruct's config.json, shapes and rope included. */
    public static final LlamaConfig LLAMA_3_2_3B = new LlamaConfig(128256, 3072, 8192, 28, 24, 8, 128, 1e-5, 500000,
            RopeScaling.llama3(32, 1, 4, 8192), 131072, true, 128000, List.of(128001, 128008, 128009), "bfloat16");

    /** H100 SXM peaks, dense: float32 on CUDA cores (what PyTorch uses for float32 matmuls unless TF32 is allowed) and BF16 on tensor cores. */
    public static final double H100_FLOAT32 = 67e12;
    public static final double H100_BF16 = 989e12;

    private static final int SAE_WIDTH = 4 * 3072;
    private static final int SAE_K = 64;

    /**
     * One estimator's run: its phases' seconds (as run.json records them), its whole time, and the
     * peak resident memory during it ({@code peakOfRun}; false: of the whole process so far, where
     * the system would not start the peak anew).
     */
    public record Run(String estimator, Map<String, Double> phases, double seconds, long peakBytes, boolean peakOfRun) {}

    /**
     * @param forwardGflops the engine's float32 rate on a forward pass of the model (64 tokens), in
     *     GFLOP/s, which converts a run's compute seconds into floating-point operations
     * @param writeSeconds drawing and writing the checkpoint (NaN: an earlier one was used)
     * @param openSeconds opening the checkpoint (reading BF16, converting to float32), which is not compute
     */
    public record Result(long parameters, double writeSeconds, long checkpointBytes, double openSeconds, double forwardGflops, int probes, List<Run> runs) {
        /** A run's floating-point work but opening the checkpoint: its compute seconds at the forward pass's rate. */
        public double flops(Run run) {
            return (run.seconds() - openSeconds) * forwardGflops * 1e9;
        }

        /** The work of the run's one pair, likewise. */
        public double pairFlops(Run run) {
            return run.phases().getOrDefault(dev.smda.run.RunManifest.ESTIMATION, Double.NaN) * forwardGflops * 1e9;
        }
    }

    private LargeModelBenchmark() {}

    /**
     * Writes the checkpoint and the SAE under {@code work} (where an earlier call left them, they are
     * used again: the same seeds draw the same weights), {@code probes} of {@code world}'s probes and
     * its first pair, then runs {@code exact} (its update in LoRA
     * of {@code loraRank}: a full step would hold the weights three times) and {@code gradient}
     * (in the same LoRA's parameter space, or, with {@code projection} > 0, on every weight in a
     * Kronecker sketch of that size) at {@code settings}, one checkpoint, at most {@code maxFeatures}
     * policy features.
     */
    public static Result run(Path world, RunConfig settings, int probes, int maxFeatures, int loraRank, int projection, Path work, Progress.Factory progress)
            throws IOException {
        Path model = work.resolve("model");
        long start = System.nanoTime();
        double writeSeconds = Double.NaN;
        if (!Files.isDirectory(model)) {
            ObjectNode tokenizerConfig = (ObjectNode) Json.read(world.resolve(WorldLayout.MODEL).resolve("tokenizer_config.json"));
            HfCheckpoint.writeRandom(model, LLAMA_3_2_3B, 1, 0.02, DType.BF16, Json.read(world.resolve(WorldLayout.MODEL).resolve("tokenizer.json")),
                    tokenizerConfig);
            writeSeconds = (System.nanoTime() - start) / 1e9;
        }
        long bytes;
        try (Stream<Path> files = Files.list(model)) {
            bytes = files.mapToLong(f -> f.toFile().length()).sum();
        }
        if (!Files.isDirectory(work.resolve("sae"))) {
            writeSae(work.resolve("sae"));
        }
        // Drawing the weights filled the heap with arrays since dropped: give that memory back before
        // the runs, whose peak resident memory is measured (and which hold 12.9 GB of weights).
        System.gc();
        RunInputs inputs = writeData(world, probes, model, work.resolve("sae"), work);

        start = System.nanoTime();
        double openSeconds;
        double gflops;
        try (LanguageModel lm = Models.open(model, DataType.FLOAT32)) {
            openSeconds = (System.nanoTime() - start) / 1e9;
            gflops = EngineBenchmark.forward(lm.model(), 1, 64, 1).gflops();
        }

        RunConfig.Update update = settings.update().atBaseOnly();
        RunConfig capped = settings.withMaxFeatures(maxFeatures);
        RunConfig lora = capped.with(settings.preset(), update.withLora(loraRank));
        RunConfig gradient = (projection > 0 ? capped.with(settings.preset(), update) : lora)
                .withEstimation(RunConfig.FeatureChange.LINEARIZED, RunConfig.Estimator.GRADIENT, projection);
        List<Run> runs = new ArrayList<>();
        runs.add(execute("exact, LoRA rank " + loraRank, lora, inputs, work.resolve("exact"), progress));
        runs.add(execute(projection > 0 ? "gradient, every weight, Kronecker sketch k=" + projection : "gradient, LoRA rank " + loraRank, gradient, inputs,
                work.resolve("gradient"), progress));
        return new Result(LLAMA_3_2_3B.parameterCount(), writeSeconds, bytes, openSeconds, gflops, probes, runs);
    }

    private static Run execute(String name, RunConfig config, RunInputs inputs, Path dir, Progress.Factory progress) throws IOException {
        boolean fresh = PeakMemory.reset();
        long start = System.nanoTime();
        SmdaRun.Result r = new SmdaRun(config, inputs, dir, progress).execute(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Run(name, r.directory().readManifest().timings(), seconds, PeakMemory.bytes(), fresh);
    }

    /** A TopK SAE at the middle layer's residual stream, encoder drawn from N(0, 1/d_in), decoder its transpose with unit rows. */
    private static void writeSae(Path folder) throws IOException {
        int dIn = LLAMA_3_2_3B.hiddenSize();
        Random random = new Random(2);
        float[] enc = new float[dIn * SAE_WIDTH];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = (float) (random.nextGaussian() / Math.sqrt(dIn));
        }
        NDManager manager = Torch.newManager();
        Map<String, NDArray> p = new LinkedHashMap<>();
        NDArray wEnc = Tensors.owned(manager, enc, new Shape(dIn, SAE_WIDTH));
        p.put(Sae.W_ENC, wEnc);
        p.put(Sae.B_ENC, manager.zeros(new Shape(SAE_WIDTH)));
        NDArray wDec = wEnc.transpose();
        p.put(Sae.W_DEC, wDec.div(wDec.norm(new int[] {1}, true)));
        p.put(Sae.B_DEC, manager.zeros(new Shape(dIn)));
        String hook = "blocks." + (LLAMA_3_2_3B.numLayers() / 2) + ".hook_resid_post";
        try (Sae sae = Sae.of(SaeConfig.topK(dIn, SAE_WIDTH, SAE_K, hook, "llama-3.2-3b-shaped"), p, manager)) {
            SaeFiles.save(sae, folder, Map.of());
        }
    }

    /** The first pair, and {@code count} probes: one of the pair's category, then harmful and harmless ones in turn. */
    private static RunInputs writeData(Path world, int count, Path model, Path sae, Path work) throws IOException {
        SftPair pair = DataSets.pairs(world.resolve(WorldLayout.PAIRS)).getFirst();
        List<Probe> all = DataSets.probes(world.resolve(WorldLayout.PROBES));
        List<Probe> chosen = new ArrayList<>(List.of(all.stream().filter(p -> p.category().equals(pair.category())).findFirst().orElseThrow()));
        List<Probe> harmful = all.stream().filter(p -> p.harmful() && !chosen.contains(p)).toList();
        List<Probe> harmless = all.stream().filter(p -> !p.harmful() && !chosen.contains(p)).toList();
        for (int i = 0; chosen.size() < count; i++) {
            chosen.add((i % 2 == 0 ? harmless : harmful).get(i / 2));
        }
        RunInputs inputs = new RunInputs(model, sae, work.resolve("probes.jsonl"), work.resolve("pairs.jsonl"));
        Jsonl.write(inputs.probes(), chosen);
        Jsonl.write(inputs.pairs(), List.of(pair));
        return inputs;
    }
}
