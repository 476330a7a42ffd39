package org.cardinal.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ComplexityTest {

    /**
     * sum(p.numel() for p in model.parameters()) of the torchvision definitions, printed by
     * torchvision_reference.py (next to this test) with the peer venv (torchvision 0.29.1).
     * The tiny ones are torchvision's ResNet with 16 stem channels (same script). The three mini
     * ones (bottlenecks with 16 stem channels, one block per stage) were added on 2026-12-07 on a
     * machine without PyTorch: counted by hand from torchvision's Bottleneck (conv1, grouped conv2,
     * conv3, their BatchNorms, the downsample of each stage's first block, stem and fc), the same
     * count reproducing every torchvision number above for resnet50, resnext50_32x4d, resnet_tiny
     * and resnext_tiny; torchvision_reference.py prints them too.
     */
    private static final Map<String, Long> TORCHVISION_PARAMS = Map.ofEntries(
            Map.entry("resnet18", 11_689_512L),
            Map.entry("resnet34", 21_797_672L),
            Map.entry("resnet50", 25_557_032L),
            Map.entry("resnet101", 44_549_160L),
            Map.entry("resnet152", 60_192_808L),
            Map.entry("resnext50_32x4d", 25_028_904L),
            Map.entry("resnext101_32x4d", 44_177_704L),
            Map.entry("resnext101_32x8d", 88_791_336L),
            Map.entry("resnext101_64x4d", 83_455_272L),
            Map.entry("resnet_tiny", 310_746L),
            Map.entry("resnext_tiny", 262_282L),
            Map.entry("resnet_mini", 511_514L),
            Map.entry("resnext_mini_4x16d", 364_634L),
            Map.entry("resnext_mini_16x8d", 495_898L));

    @Test
    void parameterCountsEqualTorchvisionForEveryShippedConfig() {
        assertEquals(BackboneConfig.KNOWN.size(), TORCHVISION_PARAMS.size());
        for (String name : BackboneConfig.KNOWN) {
            long params = Complexity.of(BackboneConfig.named(name), 224, 224).params();
            assertEquals(TORCHVISION_PARAMS.get(name), params, name);
        }
    }

    @Test
    void macsEqualTorchFlopCounter() {
        // torch.utils.flop_counter.FlopCounterMode total / 2 on a 1x3xSxS input (torchvision_reference.py).
        assertMacs("resnet18", 224, 1_814_073_344L);
        assertMacs("resnet18", 97, 440_843_456L);
        assertMacs("resnet50", 224, 4_089_184_256L);
        assertMacs("resnet50", 97, 996_519_104L);
        assertMacs("resnext50_32x4d", 224, 4_230_479_872L);
        assertMacs("resnext50_32x4d", 97, 1_022_788_288L);
        assertMacs("resnet_tiny", 224, 77_673_728L);
        assertMacs("resnet_tiny", 97, 17_431_088L);
        assertMacs("resnext_tiny", 224, 70_251_520L);
        assertMacs("resnext_tiny", 97, 15_634_048L);
    }

    @Test
    void stagesFollowTable1() {
        Complexity c = Complexity.of(BackboneConfig.named("resnext50_32x4d"), 224, 224);
        assertEquals(6, c.stages().size());
        Complexity.Stage conv2 = c.stages().get(1);
        assertEquals("conv2", conv2.name());
        assertEquals(56, conv2.outHeight());
        assertEquals("[1x1, 128; 3x3, 128, C=32; 1x1, 256] x3", conv2.shape());
        assertEquals(7, c.stages().get(4).outWidth());
        assertEquals(
                "[1x1, 1024; 3x3, 1024, C=32; 1x1, 2048] x3", c.stages().get(4).shape());
        // Hand count of the stem: 3*64*7*7 conv weights + 64 BN weights + 64 BN biases.
        assertEquals(9408 + 128, c.stages().get(0).params());
        // fc: 2048*1000 weights + 1000 biases; 2048*1000 MACs.
        assertEquals(2_049_000L, c.stages().get(5).params());
        assertEquals(2_048_000L, c.stages().get(5).macs());
        Complexity headless = Complexity.of(BackboneConfig.named("resnext50_32x4d"), 224, 224, false);
        assertEquals(c.params() - 2_049_000L, headless.params());
    }

    private static void assertMacs(String name, int size, long expected) {
        assertEquals(
                expected, Complexity.of(BackboneConfig.named(name), size, size).macs(), name + "@" + size);
    }
}
