package dev.smda.cli;

import dev.smda.data.DataSets;
import dev.smda.io.AtomicFiles;
import dev.smda.io.BadInputException;
import dev.smda.progress.Progress;
import dev.smda.run.Demo;
import dev.smda.run.RunDirectory;
import dev.smda.run.RunInputs;
import dev.smda.run.RunManifest;
import dev.smda.run.SmdaRun;
import dev.smda.run.TruthComparison;
import dev.smda.world.WorldLayout;
import dev.smda.world.WorldManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"SMDA on the embedded world (its chat model, SAE, 308 probes and 200 SFT pairs), then the report, "
            + "and the result compared with the world's planted truth."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Run directory (default: ${DEFAULT-VALUE}); an earlier demo there is reused when its inputs match, else replaced.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Checks.output(out, "--out", true);
        Path world = EmbeddedWorld.path();
        RunInputs inputs = WorldLayout.runInputs(world);
        boolean resume = Files.isRegularFile(out.resolve(RunDirectory.MANIFEST));
        if (resume) {
            RunManifest previous = new RunDirectory(out).readManifest();
            if (!previous.config().preset().equals("demo")) {
                throw new BadInputException(out + ": holds a run that is not a demo; choose another --out");
            }
            if (!previous.config().equals(Demo.config())) {
                AtomicFiles.deleteRecursively(out);
                resume = false;
            }
        }
        System.out.printf("SMDA demo on the embedded world %s -> %s%n", world, out);
        SmdaRun.Result result;
        try {
            result = new SmdaRun(Demo.config(), inputs, out, Progress.console(), Demo.where()).execute(resume);
        } catch (BadInputException e) {
            if (!resume || !e.getMessage().contains("resume only with the same inputs")) {
                throw e;
            }
            AtomicFiles.deleteRecursively(out); // the world was rebuilt since: start over
            result = new SmdaRun(Demo.config(), inputs, out, Progress.console(), Demo.where()).execute(false);
        }
        Summary.printAndWriteReport(result);
        TruthComparison truth = TruthComparison.of(result.analysis(), DataSets.truth(world.resolve(WorldLayout.TRUTH)), WorldManifest.read(world).gapCategory());
        System.out.print(truth.describe());
        return 0;
    }
}
