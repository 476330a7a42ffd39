package org.cardinal.coco;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The project's shared pycocotools cases (basic, crowd, empty, in the test resources
 * {@code reference-cases}) reproduced to 1e-9.
 */
class SharedReferenceCasesTest {
    @ParameterizedTest
    @ValueSource(strings = {"basic", "crowd", "empty"})
    void matchesPycocotools(String name) throws Exception {
        Path dir = ReferenceCases.sharedCases().resolve(name);
        CocoEvaluator evaluator = new CocoEvaluator(CocoGroundTruth.read(dir.resolve("gt.json")));
        evaluator.addResults(CocoResults.read(dir.resolve("dt.json")));
        CocoEvalResult result = evaluator.evaluate();
        ReferenceCases.assertMatches(ReferenceCases.readJson(dir.resolve("expected.json")), result, name);
    }
}
