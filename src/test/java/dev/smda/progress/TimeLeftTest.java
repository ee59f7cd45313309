package dev.smda.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimeLeftTest {

    private static final Instant T0 = Instant.parse("2026-12-08T00:00:00Z");

    @Test
    void aSlowFirstUnitDoesNotSetThePace() {
        // the demo's first pair: 34 s of one-time work, then about a second per pair
        TimeLeft left = new TimeLeft(0);
        assertEquals(Optional.empty(), left.at(200, 0, T0), "nothing finished");
        left.record(1, T0.plusSeconds(34));
        assertEquals(Optional.empty(), left.at(200, 1, T0.plusSeconds(34)), "one unit gives no pace");
        left.record(11, T0.plusSeconds(44));
        assertEquals(Optional.of(Duration.ofSeconds(189)), left.at(200, 11, T0.plusSeconds(44)), "189 units at a second each, not 34 s each");
    }

    @Test
    void aResumedTaskCountsOnlyWhatThisRunDid() {
        TimeLeft left = new TimeLeft(100);
        left.record(100, T0); // the units found done
        assertEquals(Optional.empty(), left.at(200, 100, T0.plusSeconds(5)));
        left.record(102, T0.plusSeconds(10));
        left.record(112, T0.plusSeconds(30));
        assertEquals(Optional.of(Duration.ofSeconds(176)), left.at(200, 112, T0.plusSeconds(30)), "2 s a unit since the first this run finished");
        assertEquals(Optional.of(Duration.ZERO), left.at(200, 200, T0.plusSeconds(206)));
    }
}
