package dev.smda.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threads of one process record and back-propagate at the same time (in-process workers and Spark's
 * local[N] tasks do), each getting the gradients it would get alone; a thread's recording mode is
 * left as it was.
 */
class AutogradTest {

    @Test
    void twoThreadsTakeGradientsAtOnceAndEachGetsItsOwn() throws Exception {
        try (NDManager manager = Torch.newManager()) {
            NDArray w = Tensors.owned(manager, new double[] {0.5, -1.5, 2.0}, new Shape(3));
            double[] alone3 = gradientAlone(w, 3);
            double[] alone5 = gradientAlone(w, 5);
            // both threads are inside their recording when they meet here: with one recording at a time in the process, they never would
            CyclicBarrier bothRecording = new CyclicBarrier(2);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<double[]> three = threads.submit(() -> gradientMeeting(w, 3, bothRecording));
                Future<double[]> five = threads.submit(() -> gradientMeeting(w, 5, bothRecording));
                assertArrayEquals(alone3, three.get(60, TimeUnit.SECONDS));
                assertArrayEquals(alone5, five.get(60, TimeUnit.SECONDS));
            } finally {
                threads.shutdownNow();
            }
            assertArrayEquals(new double[] {3 * 0.25, 3 * 2.25, 3 * 4.0}, alone3, 1e-12);
        }
    }

    @Test
    void theThreadsRecordingModeIsLeftAsItWas() {
        try (NDManager manager = Torch.newManager()) {
            NDArray w = Tensors.owned(manager, new double[] {1.0, 2.0}, new Shape(2));
            boolean found = JniUtils.isGradMode();
            try {
                for (boolean mode : new boolean[] {false, true}) {
                    JniUtils.setGradMode(mode);
                    gradientAlone(w, 3);
                    assertEquals(mode, JniUtils.isGradMode());
                }
            } finally {
                JniUtils.setGradMode(found);
            }
        }
    }

    private static double[] gradientAlone(NDArray w, int power) {
        return gradientMeeting(w, power, null);
    }

    /** d/dw of (3 / power) Σ w^power, that is 3 w^(power − 1), taken on the calling thread; meets {@code barrier} (if any) while recording. */
    private static double[] gradientMeeting(NDArray w, int power, CyclicBarrier barrier) {
        Map<String, NDArray> g = Autograd.gradients(Map.of("w", w), leaves -> {
            if (barrier != null) {
                await(barrier);
            }
            return Tensors.times(Tensors.toPower(leaves.get("w"), power).sum(), 3.0 / power);
        });
        try (NDArray grad = g.get("w")) {
            return grad.toDoubleArray();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the other thread never came", e);
        }
    }
}
