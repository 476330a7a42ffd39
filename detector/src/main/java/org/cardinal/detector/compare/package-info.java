/**
 * The paper's backbone swap on the user's data: the same Faster R-CNN trained with each backbone
 * of a {@link org.cardinal.detector.compare.ComparisonConfig} over several seeds, as a
 * controlled experiment (per seed, every run sees the same data, and every part but the backbone
 * starts from the same weights wherever its shape does not follow the backbone's), and a report
 * that tells a real difference from noise.
 *
 * <ul>
 *   <li>{@link org.cardinal.detector.compare.Comparison} plans and runs the (backbone, seed) runs,
 *       each a resumable run folder, and writes the report;
 *   <li>{@link org.cardinal.detector.compare.PairedStatistics} and {@link
 *       org.cardinal.detector.compare.Verdict}: mean and spread over seeds, the paired difference
 *       with its Student-t confidence interval, and a conclusion that claims no more than it;
 *   <li>{@link org.cardinal.detector.compare.ComplexityCheck}: whether the backbones are of similar
 *       complexity, the premise of the swap;
 *   <li>{@link org.cardinal.detector.compare.SharedInitialization}: which parameters outside the
 *       backbone cannot start identical in every arm, their shapes following the backbone's;
 *   <li>{@link org.cardinal.detector.compare.ComparisonReport}: {@code report.md} and a
 *       self-contained {@code report.html};
 *   <li>{@link org.cardinal.detector.compare.TimeEstimate}: how long what is left will take,
 *       measured on this machine.
 * </ul>
 */
package org.cardinal.detector.compare;
