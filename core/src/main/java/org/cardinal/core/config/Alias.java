package org.cardinal.core.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Earlier JSON names of a config record's component, still read. With {@code @Alias("batch_size")
 * int imsPerBatch}, {@link ConfigBinder#bind} reads {@code "batch_size": 32} as {@code
 * "ims_per_batch": 32}, refuses a file that gives both names (naming the one to keep), and {@link
 * ConfigBinder#toJson} writes the current name only. A value given under an alias is reported
 * under that alias, as the user wrote it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Alias {

    /** @return the earlier JSON names, e.g. {@code "batch_size"} */
    String[] value();
}
