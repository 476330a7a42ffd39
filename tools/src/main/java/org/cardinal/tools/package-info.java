/**
 * The command-line tools behind the launchers in {@code tools/}: each class declares its options
 * once ({@link org.cardinal.core.cli.ToolOptions}, picocli), calls the libraries and reports through one error and exit
 * policy ({@link org.cardinal.core.cli.Cli}). No model or training logic lives here.
 */
package org.cardinal.tools;
