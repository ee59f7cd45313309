package dev.smda.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident memory (Linux: VmHWM in /proc/self/status), which counts the engine's native arrays too. */
final class PeakMemory {

    private PeakMemory() {}

    /**
     * Starts the peak anew from the present resident memory (Linux: writing 5 to
     * /proc/self/clear_refs); false where that is refused, and the peak stays the whole process's.
     */
    static boolean reset() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Bytes, or -1 where the system does not say. */
    static long bytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
