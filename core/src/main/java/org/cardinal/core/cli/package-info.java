/**
 * The command line of every Cardinal tool (the launchers in {@code tools/} and
 * {@code tools/spark-detect}): options, each declared once ({@link org.cardinal.core.cli.ToolOptions}, picocli),
 * the command line to print to go on ({@link org.cardinal.core.cli.Rerun}) and one error and
 * exit policy ({@link org.cardinal.core.cli.Cli}).
 */
package org.cardinal.core.cli;
