package dev.smda.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.attribution.ReferenceTrajectory;
import dev.smda.io.BadInputException;
import dev.smda.run.RunConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How the run's options fill in the preset's settings where the two interact. */
class RunOptionsTest {

    private static RunConfig configured(String... args) {
        RunCommand command = new RunCommand();
        String[] required = {"--model", "m", "--sae", "s", "--probes", "p.jsonl", "--pairs", "q.jsonl", "--out", "o"};
        new CommandLine(command).parseArgs(java.util.stream.Stream.concat(java.util.Arrays.stream(required), java.util.Arrays.stream(args)).toArray(String[]::new));
        return command.configure(RunConfig.defaults()).checked();
    }

    @Test
    void theReferencePassIsTheExpectedOneWithSgdAndTheOrderedOneWithAdamW() {
        assertEquals(ReferenceTrajectory.Pass.EXPECTED, configured().update().reference());
        assertEquals(5, configured().update().referenceSteps());
        assertEquals(ReferenceTrajectory.Pass.ORDERED, configured("--optimizer", "adamw").update().reference());
        assertEquals(ReferenceTrajectory.Pass.ORDERED, configured("--reference", "ordered").update().reference());
        assertEquals(2, configured("--reference-steps", "2").update().referenceSteps());
    }

    @Test
    void theCheckpointsCoverTheFirstHalfOfThePassUnlessSet() {
        assertEquals(0.5, configured().update().referenceSpan());
        assertEquals(1.0, configured("--reference-span", "1").update().referenceSpan());
        assertEquals(1.0, RunConfig.paper().update().referenceSpan());
    }

    @Test
    void aRunJsonWrittenBeforeTheSpanExistedReadsAsTheWholePass() throws Exception {
        RunConfig old = writtenWithout("reference_span");
        assertEquals(1.0, old.update().referenceSpan());
        assertEquals(old.update(), configured("--reference-span", "1").update(), "--reference-span 1 resumes it");
    }

    @Test
    void aRunJsonWrittenBeforeTheReferencePassExistedReadsAsTheOrderedPass() throws Exception {
        RunConfig old = writtenWithout("reference", "reference_steps", "reference_span");
        assertEquals(ReferenceTrajectory.Pass.ORDERED, old.update().reference());
        assertEquals(old.update(), configured("--reference", "ordered", "--reference-span", "1").update(), "--reference ordered --reference-span 1 resumes it");
    }

    @Test
    void thePolicyIsRefittedInTheMiddleOfTheSpanWhereThereAreCheckpoints() {
        assertEquals(RunConfig.RefitPoint.SPAN_MIDDLE, configured().refitAt());
        assertEquals(RunConfig.RefitPoint.BASE, configured("--checkpoints", "1").refitAt(), "one checkpoint: only the base is measured");
        assertEquals(RunConfig.RefitPoint.BASE, configured("--estimator", "gradient").refitAt());
        assertEquals(RunConfig.RefitPoint.BASE, configured("--lora-rank", "4").refitAt());
        assertEquals(RunConfig.RefitPoint.BASE, configured("--refit-at", "base").refitAt());
        assertEquals(RunConfig.RefitPoint.BASE, RunConfig.paper().refitAt());
        assertEquals(RunConfig.RefitPoint.BASE, RunConfig.defaults().with("smda", RunConfig.defaults().update().atBaseOnly()).refitAt());
        String message = assertThrows(BadInputException.class, () -> configured("--refit-at", "span-middle", "--checkpoints", "1")).getMessage();
        assertTrue(message.contains("--refit-at span-middle needs --checkpoints above 1"), message);
    }

    @Test
    void aRunJsonWrittenBeforeTheRefitPointExistedReadsAsRefittedAtTheBase() throws Exception {
        RunConfig old = writtenWithoutSettings("refit_at");
        assertEquals(RunConfig.RefitPoint.BASE, old.refitAt());
        assertEquals(old, configured("--refit-at", "base"), "--refit-at base resumes it");
    }

    @Test
    void theCategoriesEffectsComeFromTheCheckpointsMeanUnlessAskedAndAnOlderRunJsonReadsAsTheBase() throws Exception {
        assertEquals(RunConfig.CategoryEffects.CHECKPOINTS, configured().categoryEffects());
        assertEquals(RunConfig.CategoryEffects.BASE, configured("--category-effects", "base").categoryEffects());
        assertTrue(configured().flaggedMeans().contains("averaged over the checkpoints"), configured().flaggedMeans());
        assertTrue(configured("--category-effects", "base").flaggedMeans().contains("at the base model"));
        assertTrue(configured("--checkpoints", "1").flaggedMeans().contains("at the base model"), "one checkpoint: the base's is the only effect");
        assertTrue(configured("--interference", "dy").flaggedMeans().startsWith("dominant DY pathway change"));
        RunConfig old = writtenWithoutSettings("category_effects");
        assertEquals(RunConfig.CategoryEffects.BASE, old.categoryEffects());
        assertEquals(old, configured("--category-effects", "base"), "--category-effects base resumes it");
        String message = assertThrows(BadInputException.class, () -> configured("--category-effects", "middle")).getMessage();
        assertTrue(message.startsWith("--category-effects: 'middle' is not one of [checkpoints, base]"), message);
    }

    @Test
    void theNoiseFloorIsThreeTimesTheMedianUnlessSet() throws Exception {
        assertEquals(3.0, configured().noiseFloor());
        assertEquals(2.0, configured("--noise-floor", "2").noiseFloor());
        assertEquals(RunConfig.defaults(), writtenWithoutSettings("noise_floor"), "an older run.json: the floor it used, 3");
        String message = assertThrows(BadInputException.class, () -> configured("--noise-floor", "0")).getMessage();
        assertEquals("--noise-floor must be a positive number, not 0.0", message);
    }

    /** The defaults' run.json with these fields of its update removed, as an older smda wrote it, read back. */
    private static RunConfig writtenWithout(String... fields) throws Exception {
        return readBackWithout(json -> json.get("update"), fields);
    }

    /** The defaults' run.json with these settings removed, as an older smda wrote it, read back. */
    private static RunConfig writtenWithoutSettings(String... fields) throws Exception {
        return readBackWithout(json -> json, fields);
    }

    private static RunConfig readBackWithout(java.util.function.UnaryOperator<com.fasterxml.jackson.databind.JsonNode> where, String... fields)
            throws Exception {
        var json = dev.smda.io.Json.MAPPER.readTree(dev.smda.io.Json.compact(RunConfig.defaults()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) where.apply(json)).remove(java.util.List.of(fields));
        return dev.smda.io.Json.MAPPER.treeToValue(json, RunConfig.class);
    }
}
