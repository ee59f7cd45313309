package dev.smda.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.smda.io.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines as other tools write them: a byte-order mark, Windows line ends, blank lines. */
class JsonlTest {

    @TempDir
    Path dir;

    @Test
    void aFileSavedOnWindowsReadsAsItsLinesSay() throws IOException {
        Path file = dir.resolve("probes.jsonl");
        Files.write(file, ("\uFEFF{\"prompt\": \"How do I bake bread?\", \"category\": \"cooking\"}\r\n\r\n"
                + "{\"prompt\": \"Sorry?\", \"category\": \"maths\"}\r\n").getBytes(StandardCharsets.UTF_8));
        List<Jsonl.Line> lines = Jsonl.read(file);
        assertEquals(List.of(1, 3), lines.stream().map(Jsonl.Line::number).toList());
        assertEquals("How do I bake bread?", lines.get(0).text("prompt"));
        assertEquals("maths", lines.get(1).text("category"));
    }

    @Test
    void aMarkAnywhereButTheStartIsStillAnError() throws IOException {
        Path file = dir.resolve("pairs.jsonl");
        Files.writeString(file, "{\"a\": \"b\"}\n\uFEFF{\"a\": \"b\"}\n");
        String message = assertThrows(BadInputException.class, () -> Jsonl.read(file)).getMessage();
        assertEquals(file + ":2: invalid JSON", message.substring(0, message.indexOf(": invalid JSON") + ": invalid JSON".length()));
    }
}
