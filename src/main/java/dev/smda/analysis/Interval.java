package dev.smda.analysis;

/** A mean and its 95% bootstrap interval (percentile). */
public record Interval(double mean, double low, double high) {
}
