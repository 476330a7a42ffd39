package org.cardinal.core.cli;

import ai.djl.ModelException;
import ai.djl.engine.EngineException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.atomic.AtomicInteger;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import picocli.CommandLine;
import sun.misc.Signal;

/**
 * Runs a tool: fills its {@link ToolOptions} in from the command line (printing the usage for
 * {@code --help}), then its body, with the project's error and exit policy. A tool never ends with
 * a stack trace unless {@code CARDINAL_DEBUG} is set to anything but empty or {@code 0}; it prints
 * one line {@code error: ...} and exits with:
 *
 * <ul>
 *   <li>0: done;
 *   <li>1: an internal error (a bug: please report it with the output of {@code CARDINAL_DEBUG=1}),
 *       or a failure of the engine or of Spark;
 *   <li>2: a user's mistake: bad option, missing or malformed file, unknown architecture, weights
 *       that do not fit, a device that is not there (the message names the file and field);
 *   <li>3: training stopped on a NaN or infinite loss (the message names the iteration, the loss,
 *       the last good checkpoint and how to go on with a lower learning rate);
 *   <li>130 / 143: stopped by Ctrl-C (SIGINT) / SIGTERM before the work was done (the tool throws
 *       {@link StoppedException}), after saving a checkpoint at the current iteration where there
 *       is one; the same command with {@code --resume} continues from it. A signal that comes when
 *       the work is done anyway (during the last iteration's closing steps) changes nothing: the
 *       exit code is 0 and a line says the signal came too late to matter.
 * </ul>
 *
 * <p>Libraries report a user's mistake as {@link IllegalArgumentException} (message naming the
 * file and field) and an I/O failure as {@link IOException}.
 */
public final class Cli {

    /** Exit code of a user's mistake. */
    public static final int USER_ERROR = 2;
    /** Exit code of a run stopped by a NaN or infinite loss. */
    public static final int NON_FINITE_LOSS = 3;

    private static final int SIGTERM = 15;
    /** {@link #SIGNAL} once the handlers are installed, until the first signal. */
    private static final int NO_SIGNAL_YET = -1;

    private static final StopRequest STOP = new StopRequest();
    /** 0 before {@link #stopOnSignals}, then {@link #NO_SIGNAL_YET}, then the first signal's number. */
    private static final AtomicInteger SIGNAL = new AtomicInteger();

    /**
     * A tool's body, given its options filled in from the command line.
     *
     * @param <T> the tool's options
     */
    @FunctionalInterface
    public interface Tool<T extends ToolOptions> {
        /**
         * Runs the tool.
         *
         * @param options the options as given
         * @throws Exception on failure
         */
        void run(T options) throws Exception;
    }

    /** Work run under the error policy. */
    @FunctionalInterface
    public interface Action {
        /**
         * @throws Exception on failure
         */
        void run() throws Exception;
    }

    /** Ends a tool with a message and an exit code of its own. */
    public static final class Exit extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int code;

        /**
         * @param code the exit code
         * @param message the one line to print after "error: "
         */
        public Exit(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    private Cli() {}

    /**
     * Fills {@code options} in from the arguments, prints the usage for --help or runs {@code tool},
     * and exits.
     *
     * @param <T> the tool's options
     * @param options the tool's options, unfilled
     * @param argv the arguments of main
     * @param tool the tool
     */
    public static <T extends ToolOptions> void run(T options, String[] argv, Tool<T> tool) {
        wholeLines();
        int code = execute(options, argv, System.out, System.err, tool);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Makes {@code System.out} and {@code System.err} write each {@code print}, {@code println} and
     * {@code printf} in one piece, so that libtorch's warnings, written to the same descriptors from
     * native code, cannot split a tool's lines. {@link #run} does this; a main of its own calls it
     * first.
     */
    public static void wholeLines() {
        WholeLines.install();
    }

    /**
     * Fills {@code options} in from the arguments, prints the usage for --help or runs {@code tool}.
     *
     * @param <T> the tool's options
     * @param options the tool's options, unfilled
     * @param argv the arguments of main
     * @param out where the usage goes
     * @param err where the error line goes
     * @param tool the tool
     * @return the exit code
     */
    public static <T extends ToolOptions> int execute(
            T options, String[] argv, PrintStream out, PrintStream err, Tool<T> tool) {
        return execute(out, err, () -> {
            CommandLine line = parse(options, argv);
            if (options.helpRequested()) {
                out.print(line.getUsageMessage(CommandLine.Help.Ansi.OFF));
            } else {
                tool.run(options);
            }
        });
    }

    /**
     * Fills {@code options} in from the arguments.
     *
     * @param <T> the tool's options
     * @param options the tool's options, unfilled
     * @param argv the arguments of main
     * @return {@code options}
     * @throws IllegalArgumentException naming the option that is unknown, given twice, missing or
     *     of the wrong type
     */
    public static <T extends ToolOptions> T options(T options, String... argv) {
        parse(options, argv);
        return options;
    }

    private static CommandLine parse(ToolOptions options, String[] argv) {
        CommandLine line = new CommandLine(options)
                .setExpandAtFiles(false) // "@file" is an argument like any other
                .setUsageHelpWidth(100);
        line.getCommandSpec().usageMessage().synopsisHeading("usage: ").sortOptions(false);
        try {
            line.parseArgs(argv);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(firstLine(e.getMessage()) + " (see --help)");
        }
        return line;
    }

    /**
     * Runs {@code action} with the policy above.
     *
     * @param out flushed before an error line, so that the two come in order
     * @param err where the error line goes
     * @param action the work
     * @return the exit code
     */
    public static int execute(PrintStream out, PrintStream err, Action action) {
        int code = 0;
        try {
            action.run();
            if (STOP.isRequested()) {
                out.flush();
                err.println(STOP.reason() + " came when the work was done: nothing was cut short");
            }
        } catch (StoppedException e) {
            out.flush();
            err.println(firstLine(e.getMessage()));
            code = 128 + (SIGNAL.get() > 0 ? SIGNAL.get() : SIGTERM);
        } catch (Exit e) {
            code = fail(out, err, e, e.getMessage(), e.code);
        } catch (NonFiniteLossException e) {
            code = fail(out, err, e, e.getMessage(), NON_FINITE_LOSS);
        } catch (IllegalArgumentException e) {
            code = fail(out, err, e, e.getMessage(), USER_ERROR);
        } catch (ModelException e) {
            // a model artifact that cannot be found or loaded: the zoo's message names its folder
            code = fail(out, err, e, e.getMessage(), USER_ERROR);
        } catch (UncheckedIOException e) {
            code = fail(out, err, e, describe(e.getCause()), USER_ERROR);
        } catch (IOException e) {
            code = fail(out, err, e, describe(e), USER_ERROR);
        } catch (EngineException e) {
            code = fail(out, err, e, "the engine failed: " + firstLine(e.getMessage()), 1);
        } catch (OutOfMemoryError e) {
            // the launchers cap the heap (CARDINAL_HEAP, default 2g): say so, not "please report it"
            code = fail(
                    out,
                    err,
                    e,
                    "out of memory: " + firstLine(e.getMessage()) + " (the Java heap is at most "
                            + (Runtime.getRuntime().maxMemory() >> 20)
                            + " MiB: give it more with CARDINAL_HEAP, e.g. CARDINAL_HEAP=8g)",
                    1);
        } catch (Exception | Error e) {
            code = fail(
                    out,
                    err,
                    e,
                    "internal error: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage())
                            + (debug() ? "" : " (run with CARDINAL_DEBUG=1 for the stack trace, and please report it)"),
                    1);
        }
        return code;
    }

    /**
     * The request that Ctrl-C and SIGTERM make: the first signal asks the running loop to stop
     * after its current iteration and save a checkpoint there (the tool then throws {@link
     * StoppedException} and exits with 130 or 143); a second one, or one of two that come
     * together, ends the process at once with 128 + its number.
     *
     * @return the process's stop request
     */
    public static StopRequest stopOnSignals() {
        synchronized (STOP) {
            if (SIGNAL.get() == 0) {
                SIGNAL.set(NO_SIGNAL_YET);
                handle("INT", 2);
                handle("TERM", SIGTERM);
            }
        }
        return STOP;
    }

    private static void handle(String name, int number) {
        Signal.handle(new Signal(name), s -> {
            // compare-and-set: of two signals that come together, exactly one is the first
            if (!SIGNAL.compareAndSet(NO_SIGNAL_YET, number)) {
                System.err.println("\nstopping at once");
                Runtime.getRuntime().halt(128 + number);
            }
            // said before it takes effect: the tool's lines about the stop come after it
            System.err.println("\nSIG" + name + ": stopping after the current iteration and saving a checkpoint"
                    + " (send it again to stop at once)");
            STOP.request("SIG" + name);
        });
    }

    private static boolean debug() {
        return debug(System.getenv("CARDINAL_DEBUG"));
    }

    /** Whether a value of {@code CARDINAL_DEBUG} asks for stack traces: anything but unset, empty or 0. */
    static boolean debug(String value) {
        return value != null && !value.isBlank() && !value.strip().equals("0");
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
    }

    /** The first line of a message, "(no message)" for none. */
    public static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static int fail(PrintStream out, PrintStream err, Throwable e, String message, int code) {
        out.flush();
        err.println("error: " + firstLine(message));
        if (debug()) {
            e.printStackTrace(err);
        }
        return code;
    }
}
