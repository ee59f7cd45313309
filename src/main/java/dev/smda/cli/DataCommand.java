package dev.smda.cli;

import dev.smda.data.importer.DataImport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "data", mixinStandardHelpOptions = true, description = "Probe sets and SFT pairs from public safety datasets.",
        subcommands = {DataCommand.Import.class})
final class DataCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "import", mixinStandardHelpOptions = true, description = {
        "Convert safety datasets into probes.jsonl and pairs.jsonl (with sources.json: each file's checksum, licence and counts).",
        "Reads: refusal_direction splits/*.json and processed/*.json (prompt sets: probes), raw/jailbreakbench.csv (probes), "
        + "completions/<model>/<set>_<intervention>_completions.json with their evaluations (pairs), XSTest's xstest_prompts.csv "
        + "(probes) and model_completions/xstest_v2_completions_<model>.csv (pairs). A folder imports every such file in it."})
    static final class Import implements Callable<Integer> {

        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Dataset files or folders.")
        List<Path> inputs;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to write (new, or an earlier import to replace).")
        Path out;

        @Option(names = "--intervention", defaultValue = "baseline", description = "Which refusal_direction completions: baseline, actadd or ablation (default: ${DEFAULT-VALUE}).")
        String intervention;

        @Option(names = "--max-per-category", paramLabel = "N", description = "Keep at most N probes and N pairs per category (a seeded sample); default all.")
        Integer maxPerCategory;

        @Option(names = "--max-harmless-per-category", paramLabel = "N", description = "The same for harmless prompts' categories (default: as --max-per-category).")
        Integer maxHarmlessPerCategory;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the per-category sample (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() throws Exception {
            for (java.nio.file.Path p : inputs) {
                if (!java.nio.file.Files.exists(p)) {
                    throw new dev.smda.io.BadInputException("no such file or folder: " + p);
                }
            }
            Checks.output(out, "--out", true);
            Checks.oneOf(intervention, "--intervention", "baseline", "actadd", "ablation");
            if (maxPerCategory != null) {
                Checks.atLeast(maxPerCategory, 1, "--max-per-category");
            }
            if (maxHarmlessPerCategory != null) {
                Checks.atLeast(maxHarmlessPerCategory, 1, "--max-harmless-per-category");
            }
            DataImport.Result r = new DataImport(inputs, intervention, maxPerCategory, maxHarmlessPerCategory, seed).writeTo(out);
            long harmful = r.probes().stream().filter(p -> p.harmful()).count();
            System.out.printf("wrote %s: %d probes (%d harmful, %d harmless; %d repeated prompts dropped), %d pairs, %s%n", out, r.probes().size(), harmful,
                    r.probes().size() - harmful, r.duplicateProbes(), r.pairs().size(), DataImport.SOURCES);
            if (!r.pairCategoriesWithoutProbes().isEmpty()) {
                System.out.println("note: pair categories without probes (smda run needs probes of every pair category): "
                        + String.join(", ", r.pairCategoriesWithoutProbes()));
            }
            return 0;
        }
    }
}
