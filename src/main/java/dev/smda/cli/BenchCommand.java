package dev.smda.cli;

import dev.smda.bench.EngineBenchmark;
import dev.smda.bench.FidelityBenchmark;
import dev.smda.bench.LargeModelBenchmark;
import dev.smda.bench.ScaleBenchmark;
import dev.smda.io.AtomicFiles;
import dev.smda.progress.Progress;
import dev.smda.run.Demo;
import dev.smda.execute.Executor;
import dev.smda.run.RunConfig;
import dev.smda.run.SmdaRun;
import dev.smda.validate.Validation;
import dev.smda.validate.ValidationReport;
import dev.smda.validate.ValidationResult;
import dev.smda.world.WorldLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the engine: float32 matmul, SAE encoding (d_in 3072, 12,288 features), and a forward pass and an SFT step of a "
            + "Llama of 12.6 million parameters, in tokens/s and GFLOP/s.", "Subcommands time the demo, a validation, and SMDA at scale."},
        subcommands = {BenchCommand.DemoBench.class, BenchCommand.ValidateBench.class, BenchCommand.ScaleBench.class, BenchCommand.FidelityBench.class,
            BenchCommand.LargeModelBench.class, BenchCommand.ClusterBench.class, BenchCommand.WorkersBench.class})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--length", defaultValue = "256", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed repetitions; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Override
    public Integer call() throws Exception {
        Checks.atLeast(batch, 1, "--batch");
        Checks.atLeast(length, 2, "--length");
        Checks.atLeast(repeats, 1, "--repeats");
        System.out.printf("engine: DJL PyTorch %s, %d cores; model %,d parameters; batch %d x %d tokens%n",
                dev.smda.tensor.Torch.version(), Runtime.getRuntime().availableProcessors(), EngineBenchmark.TEN_M.parameterCount(), batch, length);
        List<EngineBenchmark.Result> results = EngineBenchmark.run(batch, length, repeats);
        double ceiling = results.getFirst().gflops();
        for (EngineBenchmark.Result r : results) {
            System.out.printf("%-30s %9.3f s %12s %8.1f GFLOP/s %5.0f%% of matmul%n", r.name(), r.seconds(),
                    r.tokens() == 0 ? "" : String.format("%,.0f tok/s", r.tokensPerSecond()), r.gflops(), 100 * r.gflops() / ceiling);
        }
        return 0;
    }

    /** The demo's run of the embedded world in a temporary folder, where the demo runs it. */
    static SmdaRun.Result demoRun(Path out, Progress.Factory progress) throws Exception {
        return demoRun(out, progress, Demo.where());
    }

    static SmdaRun.Result demoRun(Path out, Progress.Factory progress, Executor.Choice where) throws Exception {
        return new SmdaRun(Demo.config(), WorldLayout.runInputs(EmbeddedWorld.path()), out, progress, where).execute(false);
    }


    static void printPhases(Map<String, Double> timings) {
        timings.forEach((phase, seconds) -> System.out.printf("  %-34s %8.1f s%n", phase, seconds));
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, description = "Time the whole demo (the embedded world, 200 pairs) in a temporary directory.")
    static final class DemoBench implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Path out = Files.createTempDirectory("smda-bench-demo");
            try {
                long start = System.nanoTime();
                SmdaRun.Result r = demoRun(out.resolve("run"), Progress.SILENT);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("demo: %d pairs x %d probes, %d policy features: %.1f s in all, %.2f s per pair (%d cores)%n", r.pairsComputed(),
                        r.policy().probes(), r.policy().features(), seconds, seconds / r.pairsComputed(), Runtime.getRuntime().availableProcessors());
                return 0;
            } finally {
                AtomicFiles.deleteRecursively(out);
            }
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Time smda validate with its default settings on the demo's run (the run itself is made first and not counted).")
    static final class ValidateBench implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Path out = Files.createTempDirectory("smda-bench-validate");
            try {
                SmdaRun.Result run = demoRun(out.resolve("run"), Progress.console());
                ValidationResult v = new Validation(run.directory().root(), out.resolve("validation"), dev.smda.validate.ValidationConfig.of(32, 0.5, 3, 1, 1,
                        20261201, null, null, List.of(5, 10, 20, 40), 2, 16, "1e-8", 1000), Progress.console()).execute(false);
                System.out.print(ValidationReport.text(v));
                System.out.printf("%nvalidate (defaults) on the demo's run: %.1f s in all (%.1f min), %d cores; by phase:%n", v.seconds(), v.seconds() / 60,
                        Runtime.getRuntime().availableProcessors());
                printPhases(v.timings());
                return 0;
            } finally {
                AtomicFiles.deleteRecursively(out);
            }
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = {"SMDA with the gradient estimator on any number of generated pairs of the embedded world (the demo's settings): "
                + "time per phase, cost per pair against one SFT step on a pair, peak resident memory."})
    static final class ScaleBench implements Callable<Integer> {
        @Option(names = "--pairs", defaultValue = "100000", description = "Generated pairs (default: ${DEFAULT-VALUE}).")
        int pairs;

        @Option(names = "--projection", defaultValue = "0", description = "Kronecker sketch size k (0: exact inner products; default ${DEFAULT-VALUE}).")
        int projection;

        @Override
        public Integer call() throws Exception {
            Checks.atLeast(pairs, 10, "--pairs");
            Checks.atLeast(projection, 0, "--projection");
            Path out = Files.createTempDirectory("smda-bench-scale");
            try {
                RunConfig config = Demo.config().withEstimation(RunConfig.FeatureChange.LINEARIZED, RunConfig.Estimator.GRADIENT, projection);
                ScaleBenchmark.Result r = ScaleBenchmark.run(EmbeddedWorld.path(), pairs, config, out, Progress.console());
                System.out.printf("%,d pairs, gradient estimator%s, %d cores: %.1f s in all (%.1f min); peak resident memory %.2f GB%n", r.pairs(),
                        projection > 0 ? " (Kronecker sketch k=" + projection + ")" : "", Runtime.getRuntime().availableProcessors(), r.seconds(),
                        r.seconds() / 60, r.peakBytes() / 1e9);
                printPhases(r.phases());
                System.out.printf("per pair %.2f ms, one SFT step on one pair %.2f ms: %.2fx%n", 1e3 * r.perPair(), 1e3 * r.sftStep(), r.perPair() / r.sftStep());
                System.out.println(r.memoryPerStretch() ? "peak resident memory of each stretch of the run (Java heap committed at its end):"
                        : "peak resident memory of the process up to the end of each stretch (this system does not restart the peak):");
                r.memory().forEach(s -> System.out.printf("  %-36s %6.2f GB (heap %.2f GB)%n", s.name(), s.peakBytes() / 1e9, s.heapCommittedBytes() / 1e9));
                return 0;
            } finally {
                AtomicFiles.deleteRecursively(out);
            }
        }
    }

    @Command(name = "fidelity", mixinStandardHelpOptions = true,
            description = {"The gradient estimator against the exact one at the demo's settings, one step at the base: Spearman rho over every (pair, "
                + "feature) dX and dY part (dY also against re-encoded features), the paper's score, the category effects, the top-20 interference "
                + "pairs in common, the share of the exact dX that is features switching, and the time per pair of each."})
    static final class FidelityBench implements Callable<Integer> {
        @Option(names = "--world", description = "A world directory (default: the embedded world).")
        Path world;

        @Option(names = "--projection", split = ",", paramLabel = "K",
                description = "Also judge the gradient estimator in a Kronecker sketch of each of these sizes k (e.g. 32,64,128; default: none).")
        List<Integer> projections = List.of();

        @Option(names = "--lora-rank", paramLabel = "R",
                description = "Fine-tune LoRA adapters of rank R on the block projections instead of every weight, in every estimator (default: every weight).")
        Integer loraRank;

        @Option(names = "--lr", paramLabel = "LR",
                description = "The step's learning rate in every estimator (default: the demo's ${DEFAULT-VALUE}); smaller steps show how much of the gap is"
                        + " the step's curvature.", defaultValue = "1e-2")
        double learningRate;

        @Option(names = "--measured", paramLabel = "RUN", description = "A finished run of the same world at the same settings but for its checkpoints "
                + "(e.g. ./smda demo's runs/demo, or smda run --lr 1e-2 on --world): its pairs' effects at the base model are the linearised exact "
                + "reference, which is then not measured again (default: measure it).")
        Path measured;

        @Override
        public Integer call() throws Exception {
            for (int k : projections) {
                Checks.atLeast(k, 1, "--projection");
            }
            Checks.positive(learningRate, "--lr");
            RunConfig settings = Demo.config();
            settings = settings.with(settings.preset(), settings.update().withLearningRate(learningRate));
            if (loraRank != null) {
                Checks.atLeast(loraRank, 1, "--lora-rank");
                settings = settings.with(settings.preset(), settings.update().withLora(loraRank));
            }
            Path dir = world != null ? world : EmbeddedWorld.path();
            Checks.folder(dir, "--world");
            if (measured != null) {
                Checks.folder(measured, "--measured");
            }
            Path out = Files.createTempDirectory("smda-bench-fidelity");
            try {
                FidelityBenchmark.Result r = FidelityBenchmark.run(WorldLayout.runInputs(dir), settings, projections, out, Progress.console(), Demo.where(),
                        measured);
                System.out.printf("%d pairs x %d policy features, %s; against the exact estimator with the feature change linearised (one step at lr %s"
                        + " at the base):%n", r.pairs(), r.features(), dir, learningRate);
                System.out.printf("%-34s %7s %7s %11s %7s %9s %9s %10s%n", "estimator", "dX", "dY", "dY/reenc.", "score", "category", "top-" + FidelityBenchmark.TOP,
                        "ms/pair");
                System.out.printf("%-34s %7s %7s %11s %7s %9s %9s %10.1f%n", (measured == null ? "exact, linearised (" : "exact, re-encoded (")
                        + Demo.where().workers() + " workers)", "", "", "", "", "", "", 1e3 * r.exactSecondsPerPair());
                for (FidelityBenchmark.Agreement a : r.agreements()) {
                    System.out.printf("%-34s %7.3f %7.3f %11.3f %7.3f %9.3f %9d %10.1f%n", a.estimator(), a.dxParts(), a.dyParts(), a.dyPartsAgainstReencoded(),
                            a.score(), a.categoryEffects(), a.sharedTopInterference(), 1e3 * a.secondsPerPair());
                }
                System.out.printf("features switching on or off: %.1f%% of the exact (re-encoded) dX, which no first-order estimator sees%n", 100 * r.switchingShare());
                return 0;
            } finally {
                AtomicFiles.deleteRecursively(out);
            }
        }
    }

    @Command(name = "llama3b", mixinStandardHelpOptions = true,
            description = {"SMDA on a Llama-3.2-3B-shaped model (random weights, a BF16 checkpoint written to a temporary folder, about 6.4 GB; computed "
                + "in float32) with a random TopK SAE of its width: one pair of the embedded world through each estimator, at the demo's settings.",
                "Time per phase, peak resident memory, and the same work on one H100 estimated from its floating-point operations."})
    static final class LargeModelBench implements Callable<Integer> {
        @Option(names = "--probes", defaultValue = "4", description = "Probes of the embedded world (default: ${DEFAULT-VALUE}).")
        int probes;

        @Option(names = "--max-features", defaultValue = "2", description = "Policy features at most (default: ${DEFAULT-VALUE}).")
        int maxFeatures;

        @Option(names = "--lora-rank", defaultValue = "8", description = "The update's LoRA rank (default: ${DEFAULT-VALUE}).")
        int loraRank;

        @Option(names = "--projection", defaultValue = "0",
                description = "Run the gradient estimator on every weight in a Kronecker sketch of this size instead of in LoRA's space (default: LoRA's).")
        int projection;

        @Option(names = "--keep", paramLabel = "DIR",
                description = "Work in DIR and keep it (the checkpoint, the SAE, the runs); a checkpoint and SAE an earlier call left there are used again.")
        Path keep;

        @Override
        public Integer call() throws Exception {
            Checks.atLeast(probes, 2, "--probes");
            Checks.atLeast(maxFeatures, 1, "--max-features");
            Checks.atLeast(loraRank, 1, "--lora-rank");
            Checks.atLeast(projection, 0, "--projection");
            Path out = keep != null ? Files.createDirectories(keep) : Files.createTempDirectory("smda-bench-llama3b");
            for (String run : List.of("exact", "gradient")) {
                AtomicFiles.deleteRecursively(out.resolve(run));
            }
            try {
                LargeModelBenchmark.Result r = LargeModelBenchmark.run(EmbeddedWorld.path(), Demo.config(), probes, maxFeatures, loraRank, projection, out,
                        Progress.console());
                System.out.printf("Llama-3.2-3B-shaped model, %,d parameters; BF16 checkpoint %.2f GB %s, opened into float32 in %.1f s;"
                        + " %d cores, forward pass (64 tokens) %.1f GFLOP/s%n", r.parameters(), r.checkpointBytes() / 1e9,
                        Double.isNaN(r.writeSeconds()) ? "(written by an earlier call)" : String.format("written in %.1f s", r.writeSeconds()), r.openSeconds(),
                        Runtime.getRuntime().availableProcessors(), r.forwardGflops());
                for (LargeModelBenchmark.Run run : r.runs()) {
                    System.out.printf("%n%s, %d probes, 1 pair: %.1f s in all; peak resident memory %.2f GB%s%n", run.estimator(), r.probes(), run.seconds(),
                            run.peakBytes() / 1e9, run.peakOfRun() ? "" : " (of the whole process: the system would not start the peak anew)");
                    printPhases(run.phases());
                    double all = r.flops(run);
                    double pair = r.pairFlops(run);
                    System.out.printf("  estimated work (seconds x the forward pass's rate): %.1f TFLOP in all but opening, %.1f TFLOP for the pair;%n"
                            + "  one H100 at its dense float32 peak (%.0f TFLOP/s): %.2f s and %.3f s; at its BF16 tensor-core peak (%.0f TFLOP/s): %.3f s and %.4f s%n",
                            all / 1e12, pair / 1e12, LargeModelBenchmark.H100_FLOAT32 / 1e12, all / LargeModelBenchmark.H100_FLOAT32,
                            pair / LargeModelBenchmark.H100_FLOAT32, LargeModelBenchmark.H100_BF16 / 1e12, all / LargeModelBenchmark.H100_BF16,
                            pair / LargeModelBenchmark.H100_BF16);
                }
                return 0;
            } finally {
                if (keep == null) {
                    AtomicFiles.deleteRecursively(out);
                }
            }
        }
    }

    @Command(name = "cluster", mixinStandardHelpOptions = true,
            description = {"The demo in-process, on Spark local[2], and on a standalone Spark cluster of two single-core workers started on 127.0.0.1: "
                + "seconds in all and estimating the pairs, speed-up against in-process, each worker's one-time opening cost, and whether the "
                + "per-pair results are byte-identical to the in-process run's."})
    static final class ClusterBench implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Path out = Files.createTempDirectory("smda-bench-cluster");
            Map<String, String> loopback = Map.of("spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1");
            try {
                System.out.printf("the demo (embedded world, 200 pairs), %d cores%n", Runtime.getRuntime().availableProcessors());
                Timed local = Timed.run("in-process", out.resolve("in-process"), Executor.Choice.IN_PROCESS);
                local.print(local);
                Timed.run("Spark local[2]", out.resolve("local-2"), new Executor.Choice("local[2]", loopback)).print(local);
                try (Executor.LocalCluster cluster = Executor.provider().startLocalCluster(2, out.resolve("cluster"))) {
                    Timed.run("standalone, 2 workers x 1 core", out.resolve("standalone"), new Executor.Choice(cluster.master(), loopback)).print(local);
                }
                return 0;
            } finally {
                AtomicFiles.deleteRecursively(out);
            }
        }
    }

    @Command(name = "workers", mixinStandardHelpOptions = true,
            description = {"The demo in this process on one worker (every engine thread on one pair at a time) and on one worker per engine thread "
                + "(as `smda demo` runs it): seconds in all and estimating the pairs, the speed-up, and whether the per-pair results are byte-identical."})
    static final class WorkersBench implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Path out = Files.createTempDirectory("smda-bench-workers");
            try {
                System.out.printf("the demo (embedded world, 200 pairs), %d engine threads%n", dev.smda.tensor.Torch.threads());
                Timed one = Timed.run("in-process, 1 worker", out.resolve("one"), Executor.Choice.IN_PROCESS);
                one.print(one);
                Timed.run("in-process, " + Demo.where().workers() + " workers", out.resolve("several"), Demo.where()).print(one);
                return 0;
            } finally {
                AtomicFiles.deleteRecursively(out);
            }
        }
    }

    /** One timed demo run, and how it compares with a reference run. */
    private record Timed(String name, SmdaRun.Result result, double seconds, Map<String, byte[]> files) {
        static Timed run(String name, Path dir, Executor.Choice where) throws Exception {
            long start = System.nanoTime();
            SmdaRun.Result r = demoRun(dir, Progress.SILENT, where);
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Timed(name, r, seconds, r.directory().resultFiles());
        }

        void print(Timed reference) throws java.io.IOException {
            dev.smda.run.RunManifest manifest = result.directory().readManifest();
            double estimate = manifest.estimationSeconds();
            double referenceEstimate = reference.result.directory().readManifest().estimationSeconds();
            boolean same = files.keySet().equals(reference.files.keySet())
                    && files.keySet().stream().allMatch(k -> java.util.Arrays.equals(files.get(k), reference.files.get(k)));
            System.out.printf("%-32s %7.1f s in all (%.2fx), estimating the pairs %7.1f s (%.2fx)%s; results %s%n", name, seconds, reference.seconds / seconds,
                    estimate, referenceEstimate / estimate, manifest.timings().entrySet().stream().filter(e -> e.getKey().startsWith("open a worker"))
                            .map(e -> String.format(", %s %.1f s", e.getKey(), e.getValue())).collect(java.util.stream.Collectors.joining()),
                    same ? "byte-identical to the first" : "DIFFER from the first");
        }
    }
}
