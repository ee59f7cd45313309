package dev.smda.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tokenizer.json {@code pre_tokenizer}: splits text into the pieces BPE sees one at a time. */
sealed interface PreTokenizer {

    /** GPT-2's splitting regex, used by ByteLevel when {@code use_regex} is true. */
    String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Splits each piece further; {@code first} tells whether a piece begins the text. */
    List<String> split(String piece, boolean first);

    static PreTokenizer fromJson(JsonNode n, String where) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return new Sequence(List.of());
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> parts = new ArrayList<>();
                n.path("pretokenizers").forEach(p -> parts.add(fromJson(p, where)));
                yield new Sequence(parts);
            }
            case "Split" -> new Split(Patterns.of(n.path("pattern"), where), Behavior.parse(n.path("behavior").asText(), where), n.path("invert").asBoolean(false));
            case "ByteLevel" -> new ByteLevelSplit(n.path("add_prefix_space").asBoolean(false), n.path("use_regex").asBoolean(true));
            case "Metaspace" -> new Metaspace(n.path("replacement").asText("\u2581"), n.path("prepend_scheme").asText(n.path("add_prefix_space").asBoolean(true) ? "always" : "never"), n.path("split").asBoolean(true));
            case "Digits" -> new Split(Pattern.compile(n.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+"), Behavior.ISOLATED, false);
            case "Whitespace" -> new Matches(Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS));
            case "WhitespaceSplit" -> new Split(Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS), Behavior.REMOVED, false);
            default -> throw new TokenizerFormatException(where + ": pre_tokenizer type '" + type + "' is not supported");
        };
    }

    enum Behavior {
        ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior parse(String name, String where) {
            return switch (name) {
                case "Isolated" -> ISOLATED;
                case "Removed" -> REMOVED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> throw new TokenizerFormatException(where + ": Split behavior '" + name + "' is not supported");
            };
        }
    }

    record Sequence(List<PreTokenizer> parts) implements PreTokenizer {
        public List<String> split(String piece, boolean first) {
            List<String> pieces = List.of(piece);
            for (PreTokenizer p : parts) {
                List<String> next = new ArrayList<>();
                for (int i = 0; i < pieces.size(); i++) {
                    next.addAll(p.split(pieces.get(i), first && i == 0));
                }
                pieces = next;
            }
            return pieces;
        }
    }

    /** Splits on a pattern; with {@code invert} the text between matches is the delimiter. */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {

        public List<String> split(String piece, boolean first) {
            // segments alternate between matches and the text between them; delimiter = match unless inverted
            List<String> texts = new ArrayList<>();
            List<Boolean> delimiter = new ArrayList<>();
            Matcher m = pattern.matcher(piece);
            int last = 0;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (m.start() > last) {
                    texts.add(piece.substring(last, m.start()));
                    delimiter.add(invert);
                }
                texts.add(m.group());
                delimiter.add(!invert);
                last = m.end();
            }
            if (last < piece.length()) {
                texts.add(piece.substring(last));
                delimiter.add(invert);
            }
            List<String> out = new ArrayList<>();
            boolean lastWasDelimiter = false;
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i);
                boolean d = delimiter.get(i);
                switch (behavior) {
                    case ISOLATED -> out.add(t);
                    case REMOVED -> {
                        if (!d) {
                            out.add(t);
                        }
                    }
                    case MERGED_WITH_PREVIOUS -> {
                        if (d && !out.isEmpty() && !lastWasDelimiter) {
                            out.set(out.size() - 1, out.getLast() + t);
                        } else {
                            out.add(t);
                        }
                    }
                    case MERGED_WITH_NEXT -> {
                        if (!d && lastWasDelimiter) {
                            out.set(out.size() - 1, out.getLast() + t);
                        } else {
                            out.add(t);
                        }
                    }
                    case CONTIGUOUS -> {
                        if (d && lastWasDelimiter) {
                            out.set(out.size() - 1, out.getLast() + t);
                        } else {
                            out.add(t);
                        }
                    }
                }
                lastWasDelimiter = d;
            }
            return out;
        }
    }

    /** Keeps only the matches of a pattern (what lies between them is dropped). */
    record Matches(Pattern pattern) implements PreTokenizer {
        public List<String> split(String piece, boolean first) {
            List<String> out = new ArrayList<>();
            Matcher m = pattern.matcher(piece);
            while (m.find()) {
                out.add(m.group());
            }
            return out;
        }
    }

    /** Maps each piece's UTF-8 bytes to the byte-level alphabet, optionally splitting with GPT-2's regex first. */
    record ByteLevelSplit(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        private static final Pattern GPT2 = Pattern.compile(GPT2_REGEX, Pattern.UNICODE_CHARACTER_CLASS);

        public List<String> split(String piece, boolean first) {
            String text = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
            List<String> pieces = useRegex ? new Split(GPT2, Behavior.ISOLATED, false).split(text, first) : List.of(text);
            return pieces.stream().map(ByteLevel::encode).toList();
        }
    }

    /** SentencePiece style: spaces become the replacement character, which then starts each word. */
    record Metaspace(String replacement, String prependScheme, boolean splitWords) implements PreTokenizer {
        public List<String> split(String piece, boolean first) {
            String text = piece.replace(" ", replacement);
            boolean prepend = prependScheme.equals("always") || (prependScheme.equals("first") && first);
            if (prepend && !text.startsWith(replacement)) {
                text = replacement + text;
            }
            if (!splitWords) {
                return List.of(text);
            }
            return new Split(Pattern.compile(Pattern.quote(replacement)), Behavior.MERGED_WITH_NEXT, false).split(text, first);
        }
    }
}
