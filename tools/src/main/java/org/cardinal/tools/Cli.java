package org.cardinal.tools;

import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/**
 * Runs a tool's body with the project's error policy: a user's mistake (bad option, missing or
 * malformed file, unknown architecture, shape mismatch) prints one line {@code error: ...} and
 * exits with code 2; anything else is a bug and keeps its stack trace (exit code 1).
 *
 * <p>Libraries report a user's mistake as {@link IllegalArgumentException} (message naming the
 * file and field), an I/O failure as {@link IOException}, a malformed JSON as gson's
 * {@link JsonParseException}. Set {@code CARDINAL_DEBUG=1} to see the stack trace of a user error too.
 */
public final class Cli {

    /** A tool's body. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the tool.
         *
         * @param args the parsed options
         * @throws Exception on failure
         */
        void run(Args args) throws Exception;
    }

    private Cli() {}

    /**
     * Parses the arguments, prints {@code usage} for --help, runs {@code body} and exits.
     *
     * @param usage the tool's usage text
     * @param argv the arguments of main
     * @param body the tool
     */
    public static void run(String usage, String[] argv, Body body) {
        int code = 0;
        try {
            Args args = Args.parse(argv);
            if (args.help()) {
                System.out.println(usage);
            } else {
                body.run(args);
            }
        } catch (IllegalArgumentException | JsonParseException e) {
            code = fail(e, e.getMessage());
        } catch (NoSuchFileException e) {
            code = fail(e, "no such file: " + e.getMessage());
        } catch (UncheckedIOException e) {
            code = fail(e, describe(e.getCause()));
        } catch (IOException e) {
            code = fail(e, describe(e));
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException
                ? "no such file: " + e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static int fail(Exception e, String message) {
        System.err.println("error: " + message);
        if (System.getenv("CARDINAL_DEBUG") != null) {
            e.printStackTrace();
        }
        return 2;
    }
}
