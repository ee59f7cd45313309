package dev.smda.tensor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The single entry point to DJL's PyTorch engine.
 *
 * <p>DJL sends telemetry to a cloud metadata address when its engine starts unless offline mode is
 * set; this class sets it before any DJL engine class can load, so every path into the engine that
 * goes through here is offline. smda never opens a network connection.
 */
public final class Torch {

    static {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    private Torch() {}

    /** The device computations run on: {@code -Dsmda.device=gpu} with the CUDA native jar. */
    public static Device device() {
        String name = System.getProperty("smda.device", "cpu");
        return switch (name) {
            case "cpu" -> Device.cpu();
            case "gpu", "cuda" -> Device.gpu();
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (use cpu or gpu)");
        };
    }

    public static Engine engine() {
        return Engine.getEngine("PyTorch");
    }

    /** A fresh manager on {@link #device()}; close it to free every array it owns. */
    public static NDManager newManager() {
        return engine().newBaseManager(device());
    }

    /** The threads the engine uses within one operation (intra-op). */
    public static int threads() {
        engine();
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    /** Sets the threads the engine uses within one operation (intra-op). */
    public static void threads(int n) {
        engine();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
    }

    /**
     * Multiply-accumulates of an operation below which libtorch's intra-op threads cost more than they
     * gain. Measured on the embedded world (2 cores): one SFT step on one pair (about 50 tokens,
     * hidden 128, vocabulary 961: about 7M MACs in its largest product) takes 12 ms on one thread and 22 ms on
     * two; a forward over 16 probes (about 120M) is faster on two.
     */
    static final long SERIAL_BELOW_MACS = 32_000_000L;

    /** Whether an operation whose largest product has these multiply-accumulates runs fastest on one thread. */
    public static boolean isSmall(long largestProductMacs) {
        return largestProductMacs < SERIAL_BELOW_MACS;
    }

    /** Runs {@code body} on one intra-op thread when its largest product is small (see {@link #SERIAL_BELOW_MACS}). */
    public static <T> T serialIfSmall(long largestProductMacs, java.util.function.Supplier<T> body) {
        if (!isSmall(largestProductMacs)) {
            return body.get();
        }
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        if (threads <= 1) {
            return body.get();
        }
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        try {
            return body.get();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }

    public static String version() {
        return engine().getVersion();
    }
}
