/**
 * Config files: strict JSON reading ({@link org.cardinal.core.config.JsonFiles}) and the one
 * binder from JSON objects to immutable records ({@link org.cardinal.core.config.ConfigBinder}),
 * with errors that name the file and the field in the same words for every config type.
 */
package org.cardinal.core.config;
