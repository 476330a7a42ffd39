package org.cardinal.detector.compare;

import java.util.ArrayList;
import java.util.List;

/**
 * One table of the comparison report, written once and rendered both as Markdown and as HTML, so
 * that {@code report.md} and {@code report.html} carry the same numbers.
 */
final class ReportTable {

    private final String[] header;
    private final boolean[] numeric;
    private final List<String[]> rows = new ArrayList<>();

    /**
     * @param header column titles; a title starting with '#' marks a right-aligned numeric
     *     column (the '#' is not shown)
     */
    ReportTable(String... header) {
        this.header = new String[header.length];
        this.numeric = new boolean[header.length];
        for (int i = 0; i < header.length; i++) {
            numeric[i] = header[i].startsWith("#");
            this.header[i] = numeric[i] ? header[i].substring(1) : header[i];
        }
    }

    /** Adds a row of cells, one per column. */
    ReportTable row(String... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + header.length + " columns");
        }
        rows.add(cells.clone());
        return this;
    }

    /** @return the rows added so far */
    int size() {
        return rows.size();
    }

    String markdown() {
        StringBuilder b = new StringBuilder("|");
        for (String h : header) {
            b.append(' ').append(h).append(" |");
        }
        b.append("\n|");
        for (boolean n : numeric) {
            b.append(n ? "---:|" : "---|");
        }
        b.append('\n');
        for (String[] r : rows) {
            b.append('|');
            for (String c : r) {
                b.append(' ').append(c.replace("|", "\\|")).append(" |");
            }
            b.append('\n');
        }
        return b.append('\n').toString();
    }

    String html() {
        StringBuilder b = new StringBuilder("<table>\n<tr>");
        for (String h : header) {
            b.append("<th>").append(escape(h)).append("</th>");
        }
        b.append("</tr>\n");
        for (String[] r : rows) {
            b.append("<tr>");
            for (int i = 0; i < r.length; i++) {
                b.append(numeric[i] ? "<td class=\"num\">" : "<td>")
                        .append(escape(r[i]))
                        .append("</td>");
            }
            b.append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
