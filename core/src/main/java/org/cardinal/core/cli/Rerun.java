package org.cardinal.core.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A command line to print so that a user can go on (after a stop, with {@code --resume}; after a
 * NaN loss, with a lower {@code --base-lr}): a tool and the options it was given, in their order,
 * changed, each argument quoted for a POSIX shell where a shell would change it.
 */
public final class Rerun {

    /** Arguments that a POSIX shell passes through unquoted. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private final String tool;
    /** The arguments of each option: its name, then its values. */
    private final Map<String, List<String>> options;

    /**
     * @param tool the tool as a user runs it, e.g. {@code tools/train-detector}
     * @param options each option given, by name, with its arguments (the name first), in order
     */
    Rerun(String tool, Map<String, List<String>> options) {
        this.tool = tool;
        this.options = new LinkedHashMap<>(options);
    }

    /** Sets an option's value: in place of the one given, else at the end. */
    public Rerun with(String option, String value) {
        options.put(option, List.of(option, value));
        return this;
    }

    /** Adds a switch at the end unless it is given already. */
    public Rerun with(String flag) {
        options.putIfAbsent(flag, List.of(flag));
        return this;
    }

    /** Leaves an option out. */
    public Rerun without(String option) {
        options.remove(option);
        return this;
    }

    /** The command line, each argument quoted where a shell would change it. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(quote(tool));
        for (List<String> tokens : options.values()) {
            for (String t : tokens) {
                b.append(' ').append(quote(t));
            }
        }
        return b.toString();
    }

    /** {@code s} as one argument of a POSIX shell: as it is when plain, else in single quotes. */
    static String quote(String s) {
        if (PLAIN.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
