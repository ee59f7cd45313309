package dev.smda.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hook points of a forward pass, named as TransformerLens names them: {@code hook_embed},
 * {@code blocks.L.hook_resid_pre}, {@code blocks.L.hook_attn_out}, {@code blocks.L.hook_resid_mid},
 * {@code blocks.L.hook_mlp_out}, {@code blocks.L.hook_resid_post}, {@code ln_final.hook_normalized}.
 *
 * <p>Arrays a hook creates are freed when the forward pass returns; {@link #capture} keeps an
 * activation past it (still connected to the autograd graph, so a scalar built from it afterwards
 * has gradients with respect to the weights).
 */
public final class Hooks {

    private static final Pattern BLOCK_HOOK = Pattern.compile("blocks\\.(\\d+)\\.(hook_resid_pre|hook_attn_out|hook_resid_mid|hook_mlp_out|hook_resid_post)");

    private final Map<String, List<ActivationHook>> hooks = new LinkedHashMap<>();
    private WeightTaps taps = WeightTaps.NONE;

    public static Hooks none() {
        return new Hooks();
    }

    public Hooks add(String name, ActivationHook hook) {
        layerOf(name);
        hooks.computeIfAbsent(name, k -> new ArrayList<>()).add(hook);
        return this;
    }

    /** Keeps the activation at {@code name} (outside any scope); the caller closes it. */
    public Capture capture(String name) {
        Capture c = new Capture();
        add(name, c);
        return c;
    }

    /** Sees every weight's use in the forward pass (one set of taps per pass). */
    public Hooks tap(WeightTaps weightTaps) {
        this.taps = weightTaps;
        return this;
    }

    WeightTaps taps() {
        return taps;
    }

    public boolean isEmpty() {
        return hooks.isEmpty() && taps == WeightTaps.NONE;
    }

    NDArray run(String name, NDArray activation) {
        List<ActivationHook> list = hooks.get(name);
        if (list == null) {
            return activation;
        }
        NDArray current = activation;
        for (ActivationHook h : list) {
            current = h.apply(current);
        }
        return current;
    }

    /** The deepest block any hook needs (-1 for the embedding, {@code Integer.MAX_VALUE} for the final norm). */
    int deepestLayer() {
        int deepest = -1;
        for (String name : hooks.keySet()) {
            deepest = Math.max(deepest, layerOf(name));
        }
        return deepest;
    }

    /** Which block a hook name belongs to; rejects names that are not hook points. */
    public static int layerOf(String name) {
        if (name.equals("hook_embed")) {
            return -1;
        }
        if (name.equals("ln_final.hook_normalized")) {
            return Integer.MAX_VALUE;
        }
        Matcher m = BLOCK_HOOK.matcher(name);
        if (!m.matches()) {
            throw new dev.smda.io.BadInputException("unknown hook point '" + name + "' (expected hook_embed, blocks.L.hook_resid_pre|hook_attn_out|hook_resid_mid|hook_mlp_out|hook_resid_post, or ln_final.hook_normalized)");
        }
        return Integer.parseInt(m.group(1));
    }

    /** An activation captured during a forward pass. */
    public static final class Capture implements ActivationHook, AutoCloseable {
        private NDArray value;

        @Override
        public NDArray apply(NDArray activation) {
            if (value != null) {
                value.close();
            }
            // a view, not duplicate(): DJL's duplicate() cuts the autograd graph
            value = activation.reshape(activation.getShape());
            NDScope.unregister(value);
            return activation;
        }

        public NDArray get() {
            if (value == null) {
                throw new IllegalStateException("the hook point was not reached");
            }
            return value;
        }

        @Override
        public void close() {
            if (value != null) {
                value.close();
                value = null;
            }
        }
    }
}
