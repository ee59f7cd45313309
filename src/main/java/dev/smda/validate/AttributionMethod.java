package dev.smda.validate;

/**
 * An attribution method: given the run and its pairs, what each pair is predicted to do to each
 * target when the model is fine-tuned on it (in the spirit of dattri's {@code attribute}). SMDA's
 * estimates and every baseline implement this, so adding a method is one class.
 */
interface AttributionMethod {

    /** The method's name in files, tables and the report. */
    String name();

    /** One sentence on what it computes. */
    String description();

    /** Whether its scores are in the targets' units (so the size of a predicted change can be compared with the actual one). */
    default boolean inTargetUnits() {
        return false;
    }

    Scores attribute(ValidationContext context) throws java.io.IOException;
}
