package org.example.report;

import org.example.utils.Text;

/**
 * Builds report titles with org.example.utils 1.x.
 */
public final class Report {
    private Report() {
    }

    /**
     * @param heading a heading in any case
     * @return the title: the heading as a slug, as a {@link Text} of the org.example.utils this bundle is wired to
     */
    public static Text title(String heading) {
        return Text.of(heading).slug();
    }
}
