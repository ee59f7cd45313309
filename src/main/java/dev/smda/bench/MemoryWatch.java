package dev.smda.bench;

import dev.smda.progress.Progress;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run's resident memory peaks: wraps the run's progress reports and reads the process's peak
 * resident memory at each task's start and end and at every tenth of the pairs, starting the peak
 * anew each time, so each stretch of the run gets its own peak. Whether memory grows with the pairs
 * shows as the peaks of the pairs' first tenth against their last.
 */
public final class MemoryWatch implements Progress.Factory {

    /** The peak resident bytes of one stretch, and the Java heap's committed bytes at its end. */
    public record Stretch(String name, long peakBytes, long heapCommittedBytes) {}

    private static final String PAIRS = "pairs";
    private static final int PARTS = 10;

    private final Progress.Factory inner;
    private final boolean resettable;
    private final List<Stretch> stretches = new ArrayList<>();
    private String current = "start";

    MemoryWatch(Progress.Factory inner) {
        this.inner = inner;
        this.resettable = PeakMemory.reset();
    }

    /** False where the system refuses to restart the peak: then every stretch's peak is the whole process's so far. */
    boolean resettable() {
        return resettable;
    }

    /** The stretches so far, the one still open included. */
    synchronized List<Stretch> stretches() {
        List<Stretch> all = new ArrayList<>(stretches);
        all.add(stretch(current));
        return all;
    }

    @Override
    public synchronized Progress start(String task, long total, String unit, long alreadyDone) {
        int first = (int) (alreadyDone * PARTS / Math.max(1, total));
        closeStretch(task.equals(PAIRS) ? part(first) : task);
        Progress progress = inner.start(task, total, unit, alreadyDone);
        return new Progress() {
            private int part = first;

            @Override
            public void stepTo(long done, String message) {
                progress.stepTo(done, message);
                if (task.equals(PAIRS)) {
                    synchronized (MemoryWatch.this) {
                        int reached = (int) (done * PARTS / Math.max(1, total));
                        if (reached > part && reached < PARTS) {
                            part = reached;
                            closeStretch(part(part));
                        }
                    }
                }
            }

            @Override
            public void close() {
                progress.close();
                synchronized (MemoryWatch.this) {
                    MemoryWatch.this.closeStretch("after " + task);
                }
            }
        };
    }

    private static String part(int tenth) {
        return String.format("pairs %d-%d%%", 100 * tenth / PARTS, 100 * (tenth + 1) / PARTS);
    }

    /** Ends the open stretch and opens one called {@code next}. */
    private void closeStretch(String next) {
        stretches.add(stretch(current));
        PeakMemory.reset();
        current = next;
    }

    private Stretch stretch(String name) {
        return new Stretch(name, PeakMemory.bytes(), Runtime.getRuntime().totalMemory());
    }
}
