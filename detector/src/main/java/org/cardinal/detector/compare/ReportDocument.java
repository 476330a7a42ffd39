package org.cardinal.detector.compare;

import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The blocks a {@link ComparisonReport} is made of, and their two renderings: Markdown and a
 * self-contained HTML page (inline CSS, images as data URIs). Both come from the same blocks, so
 * they carry the same text and numbers.
 */
final class ReportDocument {

    /** A piece of the report, rendered to Markdown and to HTML alike. */
    sealed interface Block {}

    record Heading(int level, String text) implements Block {}

    record Paragraph(String text) implements Block {}

    record Bullets(List<String> items) implements Block {}

    record Warning(String title, List<String> items) implements Block {}

    record Table(ReportTable table) implements Block {}

    record Image(String file, String alt, byte[] png) implements Block {}

    private ReportDocument() {}

    static String markdown(List<Block> blocks) {
        StringBuilder b = new StringBuilder();
        for (Block block : blocks) {
            if (block instanceof Heading h) {
                b.append("#".repeat(h.level())).append(' ').append(h.text()).append("\n\n");
            } else if (block instanceof Paragraph p) {
                b.append(p.text()).append("\n\n");
            } else if (block instanceof Bullets l) {
                l.items().forEach(i -> b.append("- ").append(i).append('\n'));
                b.append('\n');
            } else if (block instanceof Warning w) {
                b.append("> **Warning: ").append(w.title()).append(".**\n");
                w.items().forEach(i -> b.append(">\n> ").append(i).append('\n'));
                b.append('\n');
            } else if (block instanceof Table t) {
                b.append(t.table().markdown());
            } else if (block instanceof Image i) {
                b.append("![").append(i.alt()).append("](").append(i.file()).append(")\n\n");
            }
        }
        return b.toString();
    }

    static String html(String title, List<Block> blocks) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(ReportTable.escape(title))
                .append("</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;")
                .append("max-width:1100px;color:#222;padding:0 1em}\n")
                .append("h1{font-size:1.6em;border-bottom:2px solid #0072b2;padding-bottom:.3em}\n")
                .append("h2{font-size:1.2em;margin-top:1.8em;color:#0b4f7c}\n")
                .append("table{border-collapse:collapse;margin:.6em 0;font-size:.92em}\n")
                .append("th,td{border:1px solid #ccc;padding:.35em .6em}th{background:#eef4f9;text-align:center}\n")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("tr:nth-child(even) td{background:#fafafa}\n")
                .append("p{max-width:60em;line-height:1.5}img{max-width:100%;border:1px solid #ddd;margin:.5em 0}\n")
                .append(".warning{border:3px solid #d55e00;background:#fff3eb;padding:.6em 1em;margin:1em 0}\n")
                .append(".warning h2{color:#a33c00;margin-top:.2em}\n")
                .append("</style></head><body>\n");
        for (Block block : blocks) {
            if (block instanceof Heading h) {
                b.append("<h")
                        .append(h.level())
                        .append('>')
                        .append(ReportTable.escape(h.text()))
                        .append("</h")
                        .append(h.level())
                        .append(">\n");
            } else if (block instanceof Paragraph p) {
                b.append("<p>").append(ReportTable.escape(p.text())).append("</p>\n");
            } else if (block instanceof Bullets l) {
                b.append("<ul>\n")
                        .append(l.items().stream()
                                .map(i -> "<li>" + ReportTable.escape(i) + "</li>")
                                .collect(Collectors.joining("\n")))
                        .append("\n</ul>\n");
            } else if (block instanceof Warning w) {
                b.append("<div class=\"warning\"><h2>Warning: ")
                        .append(ReportTable.escape(w.title()))
                        .append("</h2>\n");
                w.items()
                        .forEach(i ->
                                b.append("<p>").append(ReportTable.escape(i)).append("</p>\n"));
                b.append("</div>\n");
            } else if (block instanceof Table t) {
                b.append(t.table().html());
            } else if (block instanceof Image i) {
                b.append("<img alt=\"")
                        .append(ReportTable.escape(i.alt()))
                        .append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(i.png()))
                        .append("\">\n");
            }
        }
        return b.append("</body></html>\n").toString();
    }
}
