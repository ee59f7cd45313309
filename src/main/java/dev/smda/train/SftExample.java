package dev.smda.train;

import java.util.Arrays;

/**
 * One fine-tuning sequence: prompt tokens then response tokens. Only the response is learned:
 * the loss is the cross-entropy of each response token given everything before it.
 */
public record SftExample(int[] tokens, int promptLength) {

    public SftExample {
        if (promptLength < 1 || promptLength >= tokens.length) {
            throw new IllegalArgumentException("an SFT example needs at least one prompt and one response token (prompt " + promptLength + " of " + tokens.length + ")");
        }
    }

    public static SftExample of(int[] prompt, int[] response) {
        int[] all = Arrays.copyOf(prompt, prompt.length + response.length);
        System.arraycopy(response, 0, all, prompt.length, response.length);
        return new SftExample(all, prompt.length);
    }
}
