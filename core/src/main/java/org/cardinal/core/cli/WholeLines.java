package org.cardinal.core.cli;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Locale;

/**
 * A {@link PrintStream} whose {@code print}, {@code println} and {@code printf} calls each reach
 * the stream below in one write, so that a line cannot be split by what native code (libtorch's
 * warnings, for one) writes to the same file descriptor at the same moment. {@code
 * java.io.PrintStream} writes a {@code printf} piece by piece (and, in a subclass, {@code
 * println}'s text apart from its line end); with autoflush on, as on {@code System.out} and {@code
 * System.err}, each piece is a write of its own to the descriptor.
 */
final class WholeLines extends PrintStream {

    private WholeLines(PrintStream out, Charset charset) {
        super(out, true, charset);
    }

    /**
     * @param out the stream to write to, e.g. {@code System.err}
     * @param charset the charset {@code out} was made with
     * @return {@code out} where it writes whole lines already, else a stream that does over it
     */
    static PrintStream over(PrintStream out, Charset charset) {
        return out instanceof WholeLines ? out : new WholeLines(out, charset);
    }

    /** Makes {@code System.out} and {@code System.err} write each call in one piece. */
    static void install() {
        System.setOut(over(System.out, charset("stdout")));
        System.setErr(over(System.err, charset("stderr")));
    }

    /** The charset the JVM gave a standard stream ({@code stdout} or {@code stderr}). */
    private static Charset charset(String stream) {
        String name = System.getProperty(stream + ".encoding", System.getProperty("sun." + stream + ".encoding"));
        return name == null || !Charset.isSupported(name) ? Charset.defaultCharset() : Charset.forName(name);
    }

    @Override
    public PrintStream format(String format, Object... args) {
        print(String.format(format, args));
        return this;
    }

    @Override
    public PrintStream format(Locale locale, String format, Object... args) {
        print(String.format(locale, format, args));
        return this;
    }

    @Override
    public void println(String x) {
        print(x + System.lineSeparator());
    }

    @Override
    public void println(Object x) {
        println(String.valueOf(x));
    }
}
