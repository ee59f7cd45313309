package dev.smda.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model: added (special) tokens are split out of the
 * text first, then each remaining stretch is normalised, pre-tokenized and BPE-encoded; the
 * post-processor adds BOS and the like. Byte-level (Llama 3, GPT-2) and SentencePiece-style BPE with
 * byte fallback (Llama 2) are both expressible this way.
 */
public final class HfTokenizer implements Tokenizer {

    /** An added token as tokenizer.json lists it. */
    public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip) {}

    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Bpe model;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final String[] tokens;
    private final Map<String, Integer> ids;
    private final Map<String, AddedToken> added;
    private final Set<Integer> special = new HashSet<>();
    private final Pattern addedPattern;

    private static Map<String, Integer> vocabulary(JsonNode root, String where) {
        Map<String, Integer> vocab = new HashMap<>();
        root.path("model").path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        if (vocab.isEmpty()) {
            throw new TokenizerFormatException(where + ": model.vocab is empty");
        }
        return vocab;
    }

    private static Bpe bpe(JsonNode root, Map<String, Integer> vocab, String where) {
        JsonNode m = root.path("model");
        if (!m.path("type").asText("BPE").equals("BPE")) {
            throw new TokenizerFormatException(where + ": model type '" + m.path("type").asText() + "' is not supported (only BPE)");
        }
        if (!m.path("continuing_subword_prefix").isNull() && !m.path("continuing_subword_prefix").isMissingNode()
                || !m.path("end_of_word_suffix").isNull() && !m.path("end_of_word_suffix").isMissingNode()) {
            throw new TokenizerFormatException(where + ": BPE subword prefixes/suffixes are not supported");
        }
        List<String[]> merges = new ArrayList<>();
        for (JsonNode merge : m.path("merges")) {
            if (merge.isArray()) {
                merges.add(new String[] {merge.get(0).asText(), merge.get(1).asText()});
            } else {
                merges.add(splitMerge(merge.asText(), where));
            }
        }
        JsonNode unk = m.path("unk_token");
        return Bpe.withMerges(vocab, merges, m.path("ignore_merges").asBoolean(false), m.path("byte_fallback").asBoolean(false),
                m.path("fuse_unk").asBoolean(false), unk.isTextual() ? unk.asText() : null, where);
    }

    /**
     * The pipeline of {@code root} (all but its model) around a BPE model and its vocabulary;
     * {@code byId}, when given, names every id (a vocabulary list may repeat a string).
     */
    private HfTokenizer(JsonNode root, Bpe model, Map<String, Integer> vocab, List<String> byId, String where) {
        this.model = model;
        normalizer = Normalizer.fromJson(root.path("normalizer"), where);
        preTokenizer = PreTokenizer.fromJson(root.path("pre_tokenizer"), where);
        decoder = Decoder.fromJson(root.path("decoder"), where);
        ids = new HashMap<>(vocab);
        added = new LinkedHashMap<>();
        for (JsonNode a : root.path("added_tokens")) {
            AddedToken t = new AddedToken(a.path("id").asInt(), a.path("content").asText(), a.path("special").asBoolean(false),
                    a.path("lstrip").asBoolean(false), a.path("rstrip").asBoolean(false));
            added.put(t.content, t);
            ids.put(t.content, t.id);
            if (t.special) {
                special.add(t.id);
            }
        }
        int size = Math.max(byId == null ? 0 : byId.size(), ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1);
        tokens = new String[size];
        ids.forEach((token, id) -> tokens[id] = token);
        if (byId != null) {
            for (int id = 0; id < byId.size(); id++) {
                tokens[id] = byId.get(id);
            }
        }
        postProcessor = PostProcessor.fromJson(root.path("post_processor"), ids, where);
        // Longest first, so that of two added tokens starting at the same place the longer wins.
        String alternation = added.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElse(null);
        addedPattern = alternation == null ? null : Pattern.compile(alternation);
    }

    public static HfTokenizer load(Path file) throws IOException {
        return fromJson(Json.read(file), file.toString());
    }

    public static HfTokenizer fromJson(JsonNode root, String where) {
        Map<String, Integer> vocab = vocabulary(root, where);
        return new HfTokenizer(root, bpe(root, vocab, where), vocab, null, where);
    }

    /** A SentencePiece BPE vocabulary with scores, in the pipeline that {@code root} describes (its model is not read). */
    static HfTokenizer sentencePiece(JsonNode root, List<String> tokens, List<Double> scores, boolean[] mergeable, String unknownToken, String where) {
        Map<String, Integer> vocab = firstIds(tokens);
        return new HfTokenizer(root, Bpe.withScores(vocab, tokens, scores, mergeable, unknownToken), vocab, tokens, where);
    }

    /** A byte-level BPE vocabulary with ranked merges ("a b"), in the pipeline that {@code root} describes. */
    static HfTokenizer byteLevel(JsonNode root, List<String> tokens, List<String> merges, String where) {
        Map<String, Integer> vocab = firstIds(tokens);
        List<String[]> pairs = new ArrayList<>();
        for (String m : merges) {
            pairs.add(splitMerge(m, where));
        }
        return new HfTokenizer(root, Bpe.withMerges(vocab, pairs, false, false, false, null, where), vocab, tokens, where);
    }

    private static Map<String, Integer> firstIds(List<String> tokens) {
        Map<String, Integer> vocab = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            vocab.putIfAbsent(tokens.get(id), id);
        }
        return vocab;
    }

    private static String[] splitMerge(String merge, String where) {
        int space = merge.indexOf(' ', 1);
        if (space < 0) {
            throw new TokenizerFormatException(where + ": merge '" + merge + "' is not two tokens");
        }
        return new String[] {merge.substring(0, space), merge.substring(space + 1)};
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> out = new ArrayList<>();
        int start = 0;
        if (addedPattern != null) {
            Matcher m = addedPattern.matcher(text);
            int searchFrom = 0;
            while (searchFrom < text.length() && m.find(searchFrom)) {
                AddedToken t = added.get(m.group());
                int segmentEnd = m.start();
                if (t.lstrip) {
                    while (segmentEnd > start && Character.isWhitespace(text.charAt(segmentEnd - 1))) {
                        segmentEnd--;
                    }
                }
                encodePlain(text.substring(start, segmentEnd), start == 0, out);
                out.add(t.id);
                int next = m.end();
                if (t.rstrip) {
                    while (next < text.length() && Character.isWhitespace(text.charAt(next))) {
                        next++;
                    }
                }
                start = next;
                searchFrom = next;
            }
        }
        encodePlain(text.substring(start), start == 0, out);
        List<Integer> result = addSpecialTokens ? postProcessor.apply(out) : out;
        return result.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodePlain(String text, boolean beginsInput, List<Integer> out) {
        if (text.isEmpty()) {
            return;
        }
        String normalized = normalizer.apply(text);
        for (String piece : preTokenizer.split(normalized, beginsInput)) {
            if (!piece.isEmpty()) {
                model.encode(piece, out);
            }
        }
    }

    @Override
    public String decode(int[] idsToDecode, boolean skipSpecialTokens) {
        List<String> pieces = new ArrayList<>();
        for (int id : idsToDecode) {
            if (skipSpecialTokens && special.contains(id)) {
                continue;
            }
            pieces.add(token(id));
        }
        return String.join("", decoder.decode(pieces));
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String token(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary");
        }
        return tokens[id];
    }

    @Override
    public boolean isSpecial(int id) {
        return special.contains(id);
    }
}
