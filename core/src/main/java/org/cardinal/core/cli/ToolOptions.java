package org.cardinal.core.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The options of one tool: a subclass annotated with picocli's {@code @Command(name =
 * "tools/NAME", description = ..., footer = ...)} declares each option once, as a field with
 * {@code @Option} (its names, its type, its help text), and {@link Cli#run} fills it in. Every tool
 * has {@code -h}/{@code --help}; an option a tool does not declare, one given twice, a value of the
 * wrong type or a missing required option is a one-line error (exit code 2).
 *
 * <p>An option that a user may leave out and that has no default is a boxed type ({@code Integer},
 * {@code Double}, {@code Path}) that stays null: no value a user can give means "not given".
 */
public abstract class ToolOptions {

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "print this help and exit")
    private boolean help;

    @Spec
    private CommandSpec spec;

    /** Whether --help (or -h) was given. */
    public boolean helpRequested() {
        return help;
    }

    /**
     * The command that ran the tool, with the options as given (each by its long name, in the order
     * given), to change and print to tell how to go on.
     *
     * @return the command line
     */
    public Rerun rerun() {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, List<String>> given = new LinkedHashMap<>();
        if (parsed != null) {
            for (OptionSpec o : parsed.matchedOptions()) {
                List<String> tokens = new ArrayList<>(List.of(o.longestName()));
                if (o.arity().max() > 0) {
                    tokens.addAll(o.originalStringValues());
                }
                given.put(o.longestName(), tokens);
            }
        }
        return new Rerun(spec.name(), given);
    }
}
