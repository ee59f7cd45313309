package dev.smda.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.io.AtomicFiles;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSON Lines: one JSON object per line. Errors name the file, the line and the field. */
public final class Jsonl {

    /** One parsed line and where it came from. */
    public record Line(Path file, int number, JsonNode node) {

        public String where() {
            return file + ":" + number;
        }

        /** A required non-empty string field. */
        public String text(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw new BadInputException(where() + ": missing field '" + field + "'");
            }
            if (!v.isTextual()) {
                throw new BadInputException(where() + ": field '" + field + "' must be a string");
            }
            if (v.asText().isBlank()) {
                throw new BadInputException(where() + ": field '" + field + "' is empty");
            }
            return v.asText();
        }

        /** An optional string field (null when absent). */
        public String optionalText(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw new BadInputException(where() + ": field '" + field + "' must be a string");
            }
            return v.asText();
        }

        /** A required boolean field. */
        public boolean bool(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw new BadInputException(where() + ": missing field '" + field + "'");
            }
            if (!v.isBoolean()) {
                throw new BadInputException(where() + ": field '" + field + "' must be true or false");
            }
            return v.asBoolean();
        }

        public boolean has(String field) {
            return node.has(field) && !node.get(field).isNull();
        }
    }

    private Jsonl() {}

    /**
     * Reads every non-blank line (after a byte-order mark, if the file starts with one; lines may end
     * in CRLF); a line that is not a JSON object is an error naming it.
     */
    public static List<Line> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": no such file");
        }
        List<Line> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int number = 0;
            while ((text = reader.readLine()) != null) {
                number++;
                if (number == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1); // the byte-order mark Windows editors and spreadsheet exports begin UTF-8 files with
                }
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new BadInputException(file + ":" + number + ": invalid JSON: " + e.getOriginalMessage());
                }
                if (node == null || !node.isObject()) {
                    throw new BadInputException(file + ":" + number + ": expected a JSON object");
                }
                lines.add(new Line(file, number, node));
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new BadInputException(file + ": not UTF-8 text");
        }
        return lines;
    }

    /** Writes objects one per line, atomically. */
    public static void write(Path file, List<?> records) throws IOException {
        AtomicFiles.write(file, out -> {
            for (Object r : records) {
                out.write(Json.compact(r).getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        });
    }
}
