package dev.revisor.shell.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain text table for people: a header, rows, columns padded to their widest cell; the last column is
 * never padded. Control characters in a cell are shown escaped ({@link #escape}), so that no value (a file name
 * with a line break, say) can end its row early or forge another. Not thread safe; build one per command call.
 */
public final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    /** @param header the column titles */
    public Table(String... header) {
        this.header = header.clone();
    }

    /**
     * @param cells one cell a column; {@code null} prints as empty
     * @return this table
     */
    public Table row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + header.length + " columns");
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "" : escape(String.valueOf(cells[i]));
        }
        rows.add(row);
        return this;
    }

    /**
     * @param text any text
     * @return the text on one line: line breaks, tabs, other control characters (C0, DEL, C1) and the Unicode line and
     *         paragraph separators escaped: {@code \n}, {@code \r}, {@code \t}, the others as a backslash, {@code u} and
     *         four hex digits (ESC as backslash-u001b); everything else as it is
     */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
            if (!control) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            switch (c) {
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default: out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out == null ? text : out.toString();
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    @Override
    public String toString() {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width);
        for (String[] row : rows) {
            line(out, row, width);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String[] cells, int[] width) {
        for (int i = 0; i < cells.length; i++) {
            out.append(cells[i]);
            if (i < cells.length - 1) {
                out.append(" ".repeat(width[i] - cells[i].length() + 2));
            }
        }
        // no trailing blanks
        int end = out.length();
        while (end > 0 && out.charAt(end - 1) == ' ') {
            end--;
        }
        out.setLength(end);
        out.append('\n');
    }
}
