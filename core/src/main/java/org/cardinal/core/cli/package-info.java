/**
 * The command line of every Cardinal tool (the launchers in {@code tools/} and
 * {@code tools/spark-detect}): options ({@link org.cardinal.core.cli.Args}) and one error and
 * exit policy ({@link org.cardinal.core.cli.Cli}).
 */
package org.cardinal.core.cli;
