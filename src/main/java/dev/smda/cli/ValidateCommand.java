package dev.smda.cli;

import dev.smda.progress.Progress;
import dev.smda.validate.CoefficientFidelity;
import dev.smda.validate.Validation;
import dev.smda.validate.ValidationReport;
import dev.smda.validate.ValidationResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "validate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Is the attribution right? Retrains the run's model on random subsets of its pairs and compares what each method predicted "
            + "with what fine-tuning did (linear datamodeling score beside the noise ceiling), plus removal curves, leave-one-out retraining "
            + "and, where the pairs have a planted truth, interference found against it."})
final class ValidateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A finished run directory (smda run or smda demo).")
    Path run;

    @Option(names = "--out", paramLabel = "DIR", description = "Validation folder (default: RUN_DIR/validation).")
    Path out;

    @Option(names = "--resume", description = "Continue an interrupted validation in --out (same settings).")
    boolean resume;

    @Option(names = "--subsets", defaultValue = "32", description = "Random subsets retrained (default: ${DEFAULT-VALUE}).")
    int subsets;

    @Option(names = "--fraction", defaultValue = "0.5", description = "Share of the pairs in each subset (default: ${DEFAULT-VALUE}).")
    double fraction;

    @Option(names = "--repeats", defaultValue = "3", description = "Retrainings of each subset in different orders (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over a subset (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "1", description = "Pairs per optimiser step when retraining (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "20261201", description = "Seed of subsets and orders (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--methods", split = ",", description = "Methods compared (default: all: smda, smda-first-order, tracin, grad-cosine, repsim, ekfac, loss, random).")
    List<String> methods;

    @Option(names = "--removal-category", description = "Category of the removal curves and leave-one-out (default: the harmful category refused least).")
    String removalCategory;

    @Option(names = "--removal-sizes", defaultValue = "5,10,20,40", description = "Pairs removed per point of a removal curve, comma-separated (default: ${DEFAULT-VALUE}; none: no removal curves).")
    String removalSizes;

    @Option(names = "--removal-seeds", defaultValue = "2", description = "Orders each removal (and leave-one-out) retraining is averaged over (default: ${DEFAULT-VALUE}).")
    int removalSeeds;

    @Option(names = "--loo-pairs", defaultValue = "16", description = "Pairs retrained leave-one-out (default: ${DEFAULT-VALUE}; 0: none).")
    int looPairs;

    @Option(names = "--ekfac-damping", defaultValue = "1e-8", description = "EK-FAC damping: a number (default: ${DEFAULT-VALUE}, kronfluence's) or heuristic (0.1 x mean eigenvalue).")
    String ekfacDamping;

    @Option(names = "--bootstrap", defaultValue = "1000", description = "Bootstrap resamples of the LDS intervals (default: ${DEFAULT-VALUE}).")
    int bootstrap;

    private static List<Integer> sizes(String text) {
        if (text.isBlank() || text.equals("none")) {
            return List.of();
        }
        try {
            return java.util.Arrays.stream(text.split(",")).map(String::trim).map(Integer::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new dev.smda.io.BadInputException("--removal-sizes: '" + text + "' is not a comma-separated list of whole numbers (or none)");
        }
    }

    @Mixin
    ExecutorOptions executor;

    @Override
    public Integer call() throws Exception {
        dev.smda.execute.Executor.Choice where = executor.choice();
        Checks.folder(run, "RUN_DIR");
        if (out != null) {
            Checks.output(out, "--out", true);
        }
        dev.smda.validate.ValidationConfig config = dev.smda.validate.ValidationConfig.of(subsets, fraction, repeats, epochs, batchSize, seed,
                methods, removalCategory, sizes(removalSizes), removalSeeds, looPairs, ekfacDamping, bootstrap);
        Path folder = out != null ? out : Validation.defaultOut(run);
        ValidationResult result = new Validation(run, folder, config, Progress.console(), where).execute(resume);
        System.out.print(ValidationReport.text(result));
        CoefficientFidelity coefficients = CoefficientFidelity.of(run, folder);
        if (coefficients != null) {
            System.out.print(ValidationReport.coefficientBands(coefficients));
        }
        System.out.println("wrote " + folder.resolve("validation.json"));
        return 0;
    }
}
