/**
 * Training utilities shared by backbone pretraining and detector training: the SGD optimizer with
 * checkpointable momentum, the JSON-lines metrics log, line charts of training curves and interval
 * charts of estimates with their confidence intervals.
 * Nothing here knows about backbones or detection.
 */
package org.cardinal.core.train;
