/**
 * A training run read back for people: its metrics log as train and evaluation points ({@code
 * TrainingHistory}) and the loss, AP and learning-rate charts drawn into the run folder ({@code
 * TrainingCurves}).
 */
package org.cardinal.detector.report;
