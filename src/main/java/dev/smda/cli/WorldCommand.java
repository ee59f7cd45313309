package dev.smda.cli;

import dev.smda.progress.Progress;
import dev.smda.world.WorldBuilder;
import dev.smda.world.WorldCheck;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "world", mixinStandardHelpOptions = true, description = "The embedded default: a small safety world with a chat model that refuses, an SAE, probes, SFT pairs and ground truth.",
        subcommands = {WorldCommand.Build.class, WorldCommand.Check.class, WorldCommand.Pairs.class})
final class WorldCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "build", mixinStandardHelpOptions = true, description = "Rebuild a world from scratch: data, tokenizer, chat model, SAE, feature atlas, check.")
    static final class Build implements Callable<Integer> {
        @Option(names = "--seed", defaultValue = "20261123", description = "Seed of everything random (default: ${DEFAULT-VALUE}, the shipped world's).")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @Override
        public Integer call() throws Exception {
            Checks.output(out, "--out", true);
            long start = System.nanoTime();
            WorldCheck.Result r = WorldBuilder.build(WorldBuilder.Settings.defaults(seed), out, Progress.console());
            System.out.print(WorldCheck.describe(r));
            System.out.printf("built %s in %.0f s%n", out, (System.nanoTime() - start) / 1e9);
            return r.passed() ? 0 : 1;
        }
    }

    @Command(name = "pairs", mixinStandardHelpOptions = true,
            description = "Generate any number of SFT pairs for a world, as its own are made (planted interference and surprise pairs in proportion), with their truth.")
    static final class Pairs implements Callable<Integer> {
        @Option(names = "--world", paramLabel = "DIR", description = "World folder (default: the embedded one); its probes' prompts are never used.")
        Path world;

        @Option(names = "--count", required = true, description = "Number of pairs (at least 10).")
        int count;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the generation (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "pairs file to write (NAME.jsonl); the truth goes beside it as NAME.truth.jsonl.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (count < 10) {
                throw new dev.smda.io.BadInputException("--count must be at least 10, not " + count);
            }
            Checks.output(out, "--out", false);
            if (world != null) {
                Checks.folder(world, "--world");
            }
            Path folder = world != null ? world : EmbeddedWorld.path();
            java.util.Set<String> probes = new java.util.HashSet<>();
            dev.smda.data.DataSets.probes(folder.resolve(dev.smda.world.WorldLayout.PROBES)).forEach(p -> probes.add(p.prompt()));
            dev.smda.world.WorldGenerator.PairSet set = new dev.smda.world.WorldGenerator(seed).morePairs(count, probes);
            dev.smda.data.Jsonl.write(out, set.pairs());
            String name = out.getFileName().toString();
            Path truth = out.resolveSibling((name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name) + ".truth.jsonl");
            dev.smda.data.Jsonl.write(truth, set.truth());
            long planted = set.truth().stream().filter(dev.smda.data.PairTruth::interference).count();
            System.out.printf("wrote %d pairs (%d planted interference) to %s, their truth to %s%n", set.pairs().size(), planted, out, truth);
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = "Measure a world against its acceptance criteria.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--world", paramLabel = "DIR", description = "World folder (default: the embedded one).")
        Path world;

        @Override
        public Integer call() throws Exception {
            if (world != null) {
                Checks.folder(world, "--world");
            }
            WorldCheck.Result r = WorldCheck.run(world != null ? world : EmbeddedWorld.path(), Progress.console());
            System.out.print(WorldCheck.describe(r));
            return r.passed() ? 0 : 1;
        }
    }
}
