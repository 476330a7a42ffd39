package org.cardinal.tools;

import java.util.Locale;
import java.util.Map;

/** The per-category AP table the tools print under pycocotools' 12-line summary. */
final class CocoSummary {

    private CocoSummary() {}

    /** "category  AP" lines (AP@[.5:.95] in %), "-" where undefined. */
    static String perCategory(Map<Integer, Double> apByCategoryId, Map<Integer, String> names) {
        StringBuilder b = new StringBuilder();
        int w = 8;
        for (Integer id : apByCategoryId.keySet()) {
            w = Math.max(w, names.getOrDefault(id, String.valueOf(id)).length());
        }
        for (Map.Entry<Integer, Double> e : apByCategoryId.entrySet()) {
            double v = e.getValue();
            b.append(String.format(
                    Locale.ROOT,
                    "  %-" + w + "s %s%n",
                    names.getOrDefault(e.getKey(), String.valueOf(e.getKey())),
                    v < 0 ? "    -" : String.format(Locale.ROOT, "%5.1f", 100 * v)));
        }
        return b.toString();
    }
}
