package org.cardinal.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArgsTest {

    @Test
    void shortHelpIsHelp() {
        assertTrue(Args.parse(new String[] {"-h"}).help());
        assertTrue(Args.parse(new String[] {"--help"}).help());
        assertThrows(IllegalArgumentException.class, () -> Args.parse(new String[] {"-x"}));
    }

    @Test
    void rerunGivesTheCommandBackQuotedAndChanged() {
        Args args = Args.parse(new String[] {
            "--config", "demo", "--data", "/data/my coco", "--base-lr=0.02", "--device", "gpu:0,1", "--output", "it's"
        });
        assertEquals(
                "tools/train-detector --config demo --data '/data/my coco' --base-lr 0.01 --device gpu:0,1"
                        + " --output 'it'\\''s' --resume",
                args.rerun("tools/train-detector")
                        .with("--base-lr", "0.01")
                        .with("--resume")
                        .toString());
        Args resumed = Args.parse(new String[] {"--resume", "--seed", "3"});
        assertEquals(
                "tools/x --resume --seed 3",
                resumed.rerun("tools/x").with("--resume").toString(),
                "a switch given already is not repeated");
        assertEquals(
                "tools/x --seed 3", resumed.rerun("tools/x").without("--resume").toString());
        assertEquals("''", Args.quote(""));
    }
}
