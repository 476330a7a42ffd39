package org.cardinal.spark;

import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * {@code tools/spark-detect}: runs a {@link DetectionJob} on an embedded Spark ({@code local[*]})
 * or on the cluster of {@code --master} or of {@code spark-submit} (whose {@code spark.master}
 * this keeps). Errors follow Cardinal's tools: a user's mistake prints one line
 * {@code error: ...} and exits 2 (a stack trace too with {@code CARDINAL_DEBUG=1}); anything else
 * is a bug, printed with its stack trace, exit 1.
 */
public final class SparkDetect {

    private SparkDetect() {}

    /**
     * Entry point, also for {@code spark-submit --class org.cardinal.spark.SparkDetect}.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        int code = run(argv, System.out, System.err);
        System.out.flush();
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Parses, starts a Spark session, runs the job, stops the session; returns the exit code. */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (SparkDetectOptions.wantsHelp(argv)) {
            out.println(SparkDetectOptions.USAGE);
            return 0;
        }
        SparkDetectOptions options;
        try {
            options = SparkDetectOptions.parse(argv);
        } catch (IllegalArgumentException e) {
            return userError(e, e.getMessage(), err);
        }
        SparkSession spark = session(options.master());
        try {
            return execute(spark, options, out, err);
        } finally {
            spark.stop();
        }
    }

    /** Runs the job on a session with the error policy above; returns the exit code. */
    static int execute(SparkSession spark, SparkDetectOptions options, PrintStream out, PrintStream err) {
        try {
            DetectionJob.run(spark, options, out, err);
            return 0;
        } catch (IllegalArgumentException | JsonParseException e) {
            return userError(e, e.getMessage(), err);
        } catch (NoSuchFileException e) {
            return userError(e, "no such file: " + e.getMessage(), err);
        } catch (UncheckedIOException e) {
            return userError(
                    e,
                    e.getCause().getClass().getSimpleName() + ": "
                            + e.getCause().getMessage(),
                    err);
        } catch (IOException e) {
            return userError(e, e.getClass().getSimpleName() + ": " + e.getMessage(), err);
        } catch (RuntimeException e) {
            e.printStackTrace(err);
            return 1;
        }
    }

    /**
     * A session on {@code master}, else on the master spark-submit configured, else embedded on
     * every core. An embedded driver binds to the loopback address: nothing outside the machine
     * needs to reach it.
     */
    static SparkSession session(String master) {
        SparkConf conf = new SparkConf(); // spark.* system properties, as spark-submit sets them
        String chosen = master != null ? master : conf.get("spark.master", "local[*]");
        SparkSession.Builder builder =
                SparkSession.builder().appName("cardinal spark-detect").master(chosen);
        if (chosen.startsWith("local") && !conf.contains("spark.driver.host")) {
            builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1");
        }
        return builder.getOrCreate();
    }

    private static int userError(Exception e, String message, PrintStream err) {
        err.println("error: " + message);
        if (System.getenv("CARDINAL_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return 2;
    }
}
