package org.cardinal.core.testing;

import java.util.List;

/**
 * What a child JVM wrote, without the lines the JVM itself adds: "Picked up JAVA_TOOL_OPTIONS:
 * ...", "Picked up _JAVA_OPTIONS: ..." and "NOTE: Picked up JDK_JAVA_OPTIONS: ...", printed to
 * stderr whenever those variables are set, as they are on many CI images and containers. Tests
 * that count a tool's lines read them through here.
 */
public final class JvmOutput {

    private JvmOutput() {}

    /**
     * @param text what the child wrote
     * @return its non-blank lines, the JVM's own lines left out
     */
    public static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank() && !isBanner(l)).toList();
    }

    /** Whether a line is one the JVM prints about an options variable. */
    static boolean isBanner(String line) {
        return line.startsWith("Picked up JAVA_TOOL_OPTIONS:")
                || line.startsWith("Picked up _JAVA_OPTIONS:")
                || line.startsWith("NOTE: Picked up JDK_JAVA_OPTIONS:");
    }
}
