package org.cardinal.tools;

import java.util.List;

/**
 * COCO's category names in torchvision's detection label order (index = label = COCO category
 * id; index 0 is the background and "N/A" marks ids COCO 2017 does not use), as torchvision's
 * {@code FasterRCNN_ResNet50_FPN_Weights.COCO_V1.meta["categories"]} lists them.
 */
final class CocoNames {

    /** 91 names: "__background__", then labels 1..90. */
    static final List<String> TORCHVISION = List.of(
            "__background__", "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck",
            "boat", "traffic light", "fire hydrant", "N/A", "stop sign", "parking meter", "bench", "bird",
            "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "N/A", "backpack",
            "umbrella", "N/A", "N/A", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard",
            "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
            "tennis racket", "bottle", "N/A", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana",
            "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair",
            "couch", "potted plant", "bed", "N/A", "dining table", "N/A", "N/A", "toilet", "N/A", "tv",
            "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink",
            "refrigerator", "N/A", "book", "clock", "vase", "scissors", "teddy bear", "hair drier",
            "toothbrush");

    private CocoNames() {}
}
