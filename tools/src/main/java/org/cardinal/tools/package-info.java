/**
 * The command-line tools behind the launchers in {@code tools/}: each class parses its options
 * ({@code Args}), calls the libraries and reports through one error and exit policy ({@code
 * Cli}). No model or training logic lives here.
 */
package org.cardinal.tools;
