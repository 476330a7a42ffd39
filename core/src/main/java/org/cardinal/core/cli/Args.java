package org.cardinal.core.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Command-line options of one tool: {@code --name value} (or {@code --name=value}) pairs and
 * {@code --flag} switches; {@code -h} is {@code --help}.
 *
 * <p>Read every option the tool knows with the typed getters, then call {@link #finish()}, which
 * rejects any option that was given but never read (a typo must not be silently ignored).
 * Malformed input raises {@link IllegalArgumentException}, which {@link Cli} prints in one line.
 * {@link #rerun} gives the command line back, changed, for a message that tells how to go on.
 */
public final class Args {

    /** Arguments that a POSIX shell passes through unquoted. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private final Map<String, String> values = new LinkedHashMap<>();
    /** The arguments each option was given with, in the order given. */
    private final Map<String, List<String>> given = new LinkedHashMap<>();

    private final List<String> read = new ArrayList<>();

    private Args() {}

    /**
     * Parses {@code args}: an argument starting with "--" is an option; it takes the next argument
     * as its value unless that one starts with "--" too (then it is a switch).
     *
     * @param args the arguments of main
     * @return the parsed options
     */
    public static Args parse(String[] args) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i].equals("-h") ? "--help" : args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "' (options start with --)");
            }
            List<String> tokens = new ArrayList<>(List.of(args[i]));
            String value = "true";
            int eq = arg.indexOf('=');
            if (eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
                tokens.add(value);
            }
            if (a.values.put(arg, value) != null) {
                throw new IllegalArgumentException("option " + arg + " given twice");
            }
            a.given.put(arg, List.copyOf(tokens));
        }
        return a;
    }

    /** Returns whether --help (or -h) was asked for. */
    public boolean help() {
        return flag("--help");
    }

    /** Returns whether the switch was given. */
    public boolean flag(String name) {
        read.add(name);
        String v = values.get(name);
        if (v == null) {
            return false;
        }
        if (!v.equals("true")) {
            throw new IllegalArgumentException(name + " is a switch and takes no value (got '" + v + "')");
        }
        return true;
    }

    /** Returns the option's value, or {@code defaultValue} if it was not given. */
    public String string(String name, String defaultValue) {
        read.add(name);
        String v = values.get(name);
        if ("true".equals(v)) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return v == null ? defaultValue : v;
    }

    /** Returns the option's value; fails if it was not given. */
    public String required(String name) {
        String v = string(name, null);
        if (v == null) {
            throw new IllegalArgumentException("missing required option " + name);
        }
        return v;
    }

    /** Returns the option as a path, or {@code null} if it was not given. */
    public Path path(String name) {
        String v = string(name, null);
        return v == null ? null : Path.of(v);
    }

    /** Returns the option as an int, or {@code defaultValue} if it was not given. */
    public int integer(String name, int defaultValue) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected an integer, found '" + v + "'");
        }
    }

    /** Returns the option as a long, or null if it was not given. */
    public Long longInteger(String name) {
        String v = string(name, null);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected an integer, found '" + v + "'");
        }
    }

    /** Returns the option as a double, or {@code defaultValue} if it was not given. */
    public double number(String name, double defaultValue) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected a number, found '" + v + "'");
        }
    }

    /** Fails on any option that was given but not read by the tool. */
    public void finish() {
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                throw new IllegalArgumentException("unknown option " + name + " (see --help)");
            }
        }
    }

    /**
     * The command that ran the tool, with these options, to print how to go on (e.g. with
     * {@code --resume}).
     *
     * @param tool the tool as a user runs it, e.g. {@code tools/train-detector}
     * @return the command, to change and print
     */
    public Command rerun(String tool) {
        return new Command(tool, given);
    }

    /** A command line to print: a tool and its options, each argument quoted for a POSIX shell. */
    public static final class Command {
        private final String tool;
        private final Map<String, List<String>> options;

        private Command(String tool, Map<String, List<String>> options) {
            this.tool = tool;
            this.options = new LinkedHashMap<>(options);
        }

        /** Sets an option's value: in place of the one given, else at the end. */
        public Command with(String option, String value) {
            options.put(option, List.of(option, value));
            return this;
        }

        /** Adds a switch at the end unless it is given already. */
        public Command with(String flag) {
            options.putIfAbsent(flag, List.of(flag));
            return this;
        }

        /** Leaves an option out. */
        public Command without(String option) {
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
    }

    /** {@code s} as one argument of a POSIX shell: as it is when plain, else in single quotes. */
    static String quote(String s) {
        if (PLAIN.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
