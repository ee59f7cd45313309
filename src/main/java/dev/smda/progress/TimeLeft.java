package dev.smda.progress;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Time left at the pace kept since the first unit of this run finished. The first unit often carries
 * one-time work (a worker's reference pass, a model's first load), so a pace measured from the
 * start would promise hours for minutes of work; until a second unit finishes there is no pace.
 */
final class TimeLeft {

    private final long alreadyDone;
    private long firstDone;
    private Instant firstAt;

    /** @param alreadyDone units finished before this run (a resumed task), which took no time here */
    TimeLeft(long alreadyDone) {
        this.alreadyDone = alreadyDone;
    }

    /** Notes that {@code done} units are finished at {@code now}. */
    synchronized void record(long done, Instant now) {
        if (firstAt == null && done > alreadyDone) {
            firstDone = done;
            firstAt = now;
        }
    }

    /** Time left for {@code total} units with {@code done} finished at {@code now}; empty while there is no pace yet. */
    synchronized Optional<Duration> at(long total, long done, Instant now) {
        if (firstAt == null || done <= firstDone) {
            return Optional.empty();
        }
        Duration perUnit = Duration.between(firstAt, now).dividedBy(done - firstDone);
        return Optional.of(perUnit.multipliedBy(Math.max(0, total - done)));
    }
}
