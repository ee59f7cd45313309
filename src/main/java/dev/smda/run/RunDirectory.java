package dev.smda.run;

import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEffect;
import dev.smda.io.Json;
import java.util.List;
import dev.smda.io.BadInputException;
import dev.smda.io.SafeTensorsFile;
import dev.smda.io.SafeTensorsWriter;
import java.io.IOException;
import dev.smda.io.Checksums;
import dev.smda.io.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The files of a run directory, with fixed names others can script against:
 * {@code run.json}, {@code base.safetensors} ({@code X}: probes x policy features, raw activations in
 * policy.json's {@code feature_ids} order; {@code y}; {@code refusal_probability};
 * {@code feature_ids}), {@code refit.safetensors} (where each pair's policy change is refitted
 * elsewhere than at the base: {@code X}, the features it is refitted at, shaped and ordered as
 * base's), {@code policy.json}, {@code pairs/<id>.safetensors} ({@code dX}, {@code dy},
 * shaped like X and y, the exact estimator's, averaged over the checkpoints; with more than one,
 * also {@code base_dX}, {@code base_dy}: at the base model alone), {@code attribution/part-NNNNN.safetensors} (a chunk of
 * pairs: matrices pairs x features {@code delta}, {@code dx_part}, {@code dy_part} and, from the exact
 * estimator, {@code residual}, {@code collinearity}, {@code output}; pairs x categories
 * {@code category_effect}; per pair {@code base_loss}, {@code mean_dy}; the metadata lists
 * {@code pairs}, {@code features}, {@code categories} as JSON), {@code analysis.json}; and
 * {@code checksums.tsv}, the SHA-256 of every per-pair and chunk file and of refit.safetensors when it was written.
 */
public final class RunDirectory {

    public static final String MANIFEST = "run.json";
    public static final String BASE = "base.safetensors";
    public static final String REFIT = "refit.safetensors";
    public static final String POLICY = "policy.json";
    public static final String PAIRS = "pairs";
    public static final String ATTRIBUTION = "attribution";
    public static final String ANALYSIS = "analysis.json";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final Path root;
    private Checksums checksums;

    public RunDirectory(Path root) {
        this.root = root;
    }

    /**
     * The bytes of every file in {@code pairs/} and {@code attribution/} (temporary ones too) and of
     * {@code refit.safetensors}, by name: what two runs must agree on.
     */
    public java.util.SortedMap<String, byte[]> resultFiles() throws IOException {
        java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
        if (Files.exists(file(REFIT))) {
            out.put(REFIT, Files.readAllBytes(file(REFIT)));
        }
        for (String folder : List.of(PAIRS, ATTRIBUTION)) {
            Path dir = root.resolve(folder);
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        out.put(folder + "/" + f.getFileName(), Files.readAllBytes(f));
                    }
                }
            }
        }
        return out;
    }

    /** The record of finished result files (read when first needed). */
    private Checksums checksums() {
        if (checksums == null) {
            checksums = new Checksums(root);
        }
        return checksums;
    }

    /** Removes the temporary files a stopped run may have left beside its results (they were never renamed into place). */
    public void removeUnfinished() throws IOException {
        for (String folder : List.of(PAIRS, ATTRIBUTION)) {
            Path dir = root.resolve(folder);
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".part")).toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
    }

    public Path root() {
        return root;
    }

    /** run.json: the run's settings, inputs' fingerprints and timings. */
    public RunManifest readManifest() throws IOException {
        return Json.MAPPER.treeToValue(Json.read(file(MANIFEST)), RunManifest.class);
    }

    public Path file(String name) {
        return root.resolve(name);
    }

    /** A pair's file; ids that are not safe file names are replaced by a hash (the id is kept inside). */
    public Path pairFile(String pairId) {
        String name = SAFE.matcher(pairId).matches() && !pairId.startsWith(".") ? pairId : "pair-" + hash(pairId);
        return root.resolve(PAIRS).resolve(name + ".safetensors");
    }

    /** Whether the pair's file is there, whole and unchanged since it was written. */
    public boolean hasPair(String pairId) {
        return checksums().intact(pairFile(pairId));
    }

    /** Writes a pair's ΔX and Δy atomically (a crash never leaves half a file). */
    public void writePair(PairEffect effect) throws IOException {
        int n = effect.dy().length;
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("pair", effect.pairId()).metadata("base_loss", Double.toString(effect.baseLoss()))
                .addMatrix("dX", effect.dx()).addDoubles("dy", effect.dy(), n);
        if (effect.baseDx() != null) {
            writer.addMatrix("base_dX", effect.baseDx()).addDoubles("base_dy", effect.baseDy(), n);
        }
        writer.write(pairFile(effect.pairId()));
        checksums().record(pairFile(effect.pairId()));
    }

    public PairEffect readPair(String pairId) throws IOException {
        Path file = pairFile(pairId);
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            if (!pairId.equals(st.metadata().get("pair"))) {
                throw new BadInputException(file + ": holds pair '" + st.metadata().get("pair") + "', not '" + pairId + "'");
            }
            double baseLoss = Double.parseDouble(st.metadata().getOrDefault("base_loss", "NaN"));
            if (!st.names().contains("base_dX")) {
                return new PairEffect(pairId, st.matrix("dX"), st.doubles("dy"), baseLoss);
            }
            return new PairEffect(pairId, st.matrix("dX"), st.doubles("dy"), baseLoss, st.matrix("base_dX"), st.doubles("base_dy"));
        }
    }

    /** Chunk {@code index}'s file. */
    public Path chunkFile(int index) {
        return root.resolve(ATTRIBUTION).resolve(String.format("part-%05d.safetensors", index));
    }

    /** Whether chunk {@code index} is there, whole and unchanged since it was written. */
    public boolean hasChunk(int index) {
        return checksums().intact(chunkFile(index));
    }

    /** Writes the features each pair's policy change is refitted at, atomically. */
    public void writeRefit(double[][] x, int[] featureIds) throws IOException {
        new SafeTensorsWriter().addMatrix("X", x, featureIds.length)
                .addLongs("feature_ids", java.util.stream.IntStream.of(featureIds).asLongStream().toArray(), featureIds.length).write(file(REFIT));
        checksums().record(file(REFIT));
    }

    /** Whether refit.safetensors is there, whole and unchanged since it was written. */
    public boolean hasRefit() {
        return checksums().intact(file(REFIT));
    }

    /** Writes a chunk of pairs' attributions atomically. */
    public void writeChunk(int index, List<PairAttribution> chunk, int[] featureIds, List<String> categories, String estimator) throws IOException {
        int m = chunk.size();
        int p = featureIds.length;
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("pairs", Json.MAPPER.writeValueAsString(chunk.stream().map(PairAttribution::pair).toList()))
                .metadata("features", Json.MAPPER.writeValueAsString(featureIds)).metadata("categories", Json.MAPPER.writeValueAsString(categories))
                .metadata("estimator", estimator);
        w.addMatrix("delta", rows(chunk, PairAttribution::delta), p).addMatrix("dx_part", rows(chunk, PairAttribution::dxPart), p)
                .addMatrix("dy_part", rows(chunk, PairAttribution::dyPart), p)
                .addMatrix("category_effect", rows(chunk, PairAttribution::categoryEffect), categories.size())
                .addDoubles("base_loss", chunk.stream().mapToDouble(PairAttribution::baseLoss).toArray(), m)
                .addDoubles("mean_dy", chunk.stream().mapToDouble(PairAttribution::meanDy).toArray(), m);
        if (chunk.getFirst().residual() != null) {
            w.addMatrix("residual", rows(chunk, PairAttribution::residual), p).addMatrix("collinearity", rows(chunk, PairAttribution::collinearity), p)
                    .addMatrix("output", rows(chunk, PairAttribution::output), p);
        }
        w.write(chunkFile(index));
        checksums().record(chunkFile(index));
    }

    private static double[][] rows(List<PairAttribution> chunk, java.util.function.Function<PairAttribution, double[]> field) {
        return chunk.stream().map(field).toArray(double[][]::new);
    }

    /** A chunk's attributions, checked to hold {@code expectedPairs} in that order. */
    public List<PairAttribution> readChunk(int index, List<String> expectedPairs) throws IOException {
        List<PairAttribution> chunk = readChunk(chunkFile(index));
        if (!chunk.stream().map(PairAttribution::pair).toList().equals(expectedPairs)) {
            throw new BadInputException(chunkFile(index) + ": holds other pairs than this run's chunk " + index);
        }
        return chunk;
    }

    /** Every chunk's attributions, in chunk order (the pairs' order). */
    public List<PairAttribution> readAttributions() throws IOException {
        List<PairAttribution> all = new java.util.ArrayList<>();
        for (int c = 0; hasChunk(c); c++) {
            all.addAll(readChunk(chunkFile(c)));
        }
        return all;
    }

    /** Chunk {@code index}'s attributions, as written. */
    public List<PairAttribution> readChunk(int index) throws IOException {
        return readChunk(chunkFile(index));
    }

    private static List<PairAttribution> readChunk(Path file) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            List<String> ids = List.of(Json.MAPPER.readValue(st.metadata().get("pairs"), String[].class));
            int m = ids.size();
            double[][] delta = st.matrix("delta");
            double[][] dx = st.matrix("dx_part");
            double[][] dy = st.matrix("dy_part");
            double[][] effect = st.matrix("category_effect");
            boolean firstOrder = st.names().contains("residual");
            double[][] residual = firstOrder ? st.matrix("residual") : new double[m][];
            double[][] collinearity = firstOrder ? st.matrix("collinearity") : new double[m][];
            double[][] output = firstOrder ? st.matrix("output") : new double[m][];
            double[] loss = st.doubles("base_loss");
            double[] meanDy = st.doubles("mean_dy");
            List<PairAttribution> out = new java.util.ArrayList<>();
            for (int k = 0; k < m; k++) {
                out.add(new PairAttribution(ids.get(k), loss[k], meanDy[k], delta[k], dx[k], dy[k], residual[k], collinearity[k], output[k], effect[k]));
            }
            return out;
        }
    }

    private static String hash(String id) {
        return Sha256.of(id).substring(0, 16);
    }
}
