package org.cardinal.detector.results;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The COCO image id an image file gets in a results file: the number its name ends with
 * ({@code 000123.png} -> 123, as COCO names its images), else its 1-based position in the
 * listing. Two files can get one id ({@code x1.png} and {@code y1.jpg}, or {@code b2.png} and a
 * second file without a number): {@link #repeated} finds them.
 */
public final class ImageIds {

    private ImageIds() {}

    /**
     * @param fileName the file's name (its last path component)
     * @param position its 1-based position in the listing
     * @return its image id
     */
    public static long of(String fileName, long position) {
        String digits = fileName.replaceFirst("\\.[^.]+$", "").replaceAll("^.*?(\\d+)$", "$1");
        if (digits.matches("\\d{1,18}")) {
            return Long.parseLong(digits);
        }
        return position;
    }

    /**
     * The ids given to more than one image.
     *
     * @param images the images (their paths, for the messages)
     * @param ids their ids, in the same order
     * @return one message per image whose id an earlier one has, "image id N is given to both A
     *     and B", in listing order; empty when every id is unique
     */
    public static List<String> repeated(List<String> images, long[] ids) {
        Map<Long, String> first = new HashMap<>();
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            String before = first.putIfAbsent(ids[i], images.get(i));
            if (before != null) {
                messages.add("image id " + ids[i] + " is given to both " + before + " and " + images.get(i));
            }
        }
        return messages;
    }
}
