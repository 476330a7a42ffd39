package org.cardinal.core.config;

/**
 * A config file that cannot be used as written. The message is one line that names the file and
 * the field, in the same words for every config type:
 *
 * <pre>
 * configs/detectors/x.json: field 'solver.base_lr': expected a positive number, found -1
 * configs/detectors/x.json: unknown field 'solver.bse_lr' (known fields: base_lr, ...)
 * configs/compare/y.json: missing field 'base': expected the run config the arms share
 * configs/detectors/x.json: malformed JSON at line 3 column 7: expected a name
 * </pre>
 */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
        super(message);
    }
}
