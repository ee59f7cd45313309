package dev.smda.world;

import dev.smda.run.RunInputs;
import java.nio.file.Path;

/** File names inside a world folder. */
public final class WorldLayout {

    public static final String MODEL = "model";
    public static final String SAE = "sae";
    public static final String PROBES = "probes.jsonl";
    public static final String PAIRS = "pairs.jsonl";
    public static final String TRUTH = "pairs.truth.jsonl";
    public static final String TRAINING = "training.jsonl";
    public static final String HELD_OUT = "heldout.jsonl";
    public static final String MANIFEST = "world.json";
    public static final String CHECK = "check.json";

    private WorldLayout() {}

    /** What a run reads from a world folder: its model, SAE, probes and pairs. */
    public static RunInputs runInputs(Path world) {
        return new RunInputs(world.resolve(MODEL), world.resolve(SAE), world.resolve(PROBES), world.resolve(PAIRS));
    }
}
