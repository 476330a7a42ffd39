/**
 * Training utilities shared by backbone pretraining and detector training: the SGD optimizer with
 * checkpointable momentum, the JSON-lines metrics log, and line charts of training curves.
 * Nothing here knows about backbones or detection.
 */
package org.cardinal.core.train;
