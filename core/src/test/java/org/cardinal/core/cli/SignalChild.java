package org.cardinal.core.cli;

import org.cardinal.core.train.StopRequest;
import picocli.CommandLine.Command;

/**
 * A tool for {@link CliSignalTest}, run in a JVM of its own: installs the signal handlers, says
 * "ready" on stdout and then, with {@code ignore}, works forever without looking at the stop
 * request (a phase that a second signal must end), or with {@code finish}, waits for a signal and
 * then ends its work normally (a signal that came during the last steps of the work).
 */
final class SignalChild {

    private SignalChild() {}

    /** No options: the mode is read from main's arguments. */
    @Command(name = "signal-child")
    static final class Options extends ToolOptions {}

    public static void main(String[] argv) {
        Cli.run(new Options(), new String[0], options -> {
            StopRequest stop = Cli.stopOnSignals();
            System.out.println("ready");
            System.out.flush();
            long until = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < until && (argv[0].equals("ignore") || !stop.isRequested())) {
                Thread.sleep(10);
            }
            System.out.println("work done");
        });
    }
}
