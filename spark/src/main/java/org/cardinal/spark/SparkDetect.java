package org.cardinal.spark;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;

/**
 * {@code tools/spark-detect}: runs a {@link DetectionJob} on an embedded Spark ({@code local[*]})
 * or on the cluster of {@code --master} or of {@code spark-submit} (whose {@code spark.master}
 * this keeps). Errors follow every Cardinal tool's policy ({@link Cli}): a user's mistake (a
 * master Spark cannot start on included) prints one line {@code error: ...} and exits 2, anything
 * else one line and exits 1; {@code CARDINAL_DEBUG=1} adds the stack trace. Ctrl-C and SIGTERM stop
 * it as they stop every tool ({@link Cli#stopOnSignals}): the first cancels the job, which removes
 * the outputs it had written, and the tool exits with 130 or 143 once Spark has stopped; a second
 * ends the process at once.
 */
public final class SparkDetect {

    private SparkDetect() {}

    /**
     * Entry point, also for {@code spark-submit --class org.cardinal.spark.SparkDetect}.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.wholeLines();
        int code = run(argv, System.out, System.err);
        System.out.flush();
        // a driver that ends well returns, as spark-submit expects of its main class
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Parses, starts a Spark session, runs the job, stops the session; returns the exit code. */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        return Cli.execute(new SparkDetectOptions.Given(), argv, out, err, given -> {
            SparkDetectOptions options = SparkDetectOptions.of(given);
            StopRequest stop = Cli.stopOnSignals();
            SparkSession spark = session(options.master());
            DetectionJob.Summary summary;
            try {
                summary = DetectionJob.run(spark, options, out, err, stop);
            } finally {
                spark.stop();
            }
            if (summary.stoppedBy() != null) { // the job said what it stopped and removed
                throw new StoppedException("stopped by " + summary.stoppedBy() + " before the job finished");
            }
        });
    }

    /**
     * The executors' environment that the driver passes on unless the job's configuration sets it
     * ({@code spark.executorEnv.NAME}): glibc's malloc settings ({@code MALLOC_*}, which Cardinal's
     * launchers set: tools/lib/memory-env), so that libtorch allocates on an executor as it does in
     * the driver and in every tool. Embedded, the executors are the driver's JVM and this changes
     * nothing.
     *
     * @param conf the job's configuration
     * @param env the driver's environment
     * @return Spark properties to add
     */
    static Map<String, String> executorEnv(SparkConf conf, Map<String, String> env) {
        Map<String, String> add = new TreeMap<>();
        env.forEach((name, value) -> {
            String key = "spark.executorEnv." + name;
            if (name.startsWith("MALLOC_") && !conf.contains(key)) {
                add.put(key, value);
            }
        });
        return add;
    }

    /**
     * A session on {@code master}, else on the master spark-submit configured, else embedded on
     * every core. An embedded driver binds to the loopback address: nothing outside the machine
     * needs to reach it.
     *
     * @throws IllegalArgumentException naming the master when Spark cannot start on it
     */
    static SparkSession session(String master) {
        SparkConf conf = new SparkConf(); // spark.* system properties, as spark-submit sets them
        String chosen = master != null ? master : conf.get("spark.master", "local[*]");
        SparkSession.Builder builder =
                SparkSession.builder().appName("cardinal spark-detect").master(chosen);
        if (chosen.startsWith("local") && !conf.contains("spark.driver.host")) {
            builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1");
        }
        for (Map.Entry<String, String> e : executorEnv(conf, System.getenv()).entrySet()) {
            builder = builder.config(e.getKey(), e.getValue());
        }
        try {
            return builder.getOrCreate();
        } catch (Exception e) {
            // Scala declares no checked exception: Java sees SparkException only here
            if (e instanceof SparkException) {
                throw new IllegalArgumentException(
                        "--master " + chosen + ": Spark cannot start on it: " + Cli.firstLine(e.getMessage()), e);
            }
            throw e;
        }
    }
}
