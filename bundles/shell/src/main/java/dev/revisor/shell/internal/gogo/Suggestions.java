package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * "Did you mean": the known names closest to a mistyped one, by edit distance (insertions, deletions, substitutions
 * and swaps of two neighbouring characters each count one), allowing one edit in short names and up to three in long
 * ones (the scope not counted); a name that the typed text begins (at least three characters) also counts. Stateless.
 */
public final class Suggestions {
    private Suggestions() {
    }

    /**
     * @param typed      what the user typed
     * @param candidates the names that exist
     * @param max        how many suggestions at most
     * @return the closest candidates, best first; empty when none is close
     */
    public static List<String> closest(String typed, Collection<String> candidates, int max) {
        String t = typed.toLowerCase(Locale.ROOT);
        int name = t.length() - t.indexOf(':') - 1; // the scope is seldom what is mistyped
        int allowed = name <= 4 ? 1 : name <= 8 ? 2 : 3;
        TreeMap<Integer, List<String>> byDistance = new TreeMap<>();
        for (String c : candidates) {
            String lc = c.toLowerCase(Locale.ROOT);
            if (lc.equals(t)) {
                continue;
            }
            int d = distance(t, lc);
            if (d > allowed && t.length() >= 3 && lc.startsWith(t)) {
                d = allowed; // a prefix of a longer name
            }
            if (d <= allowed) {
                byDistance.computeIfAbsent(d, k -> new ArrayList<>()).add(c);
            }
        }
        List<String> out = new ArrayList<>();
        for (List<String> names : byDistance.values()) {
            names.sort(null);
            for (String n : names) {
                if (out.size() < max) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /**
     * @param suggestions names from {@link #closest}
     * @return {@code " (did you mean a?)"}, {@code " (did you mean a or b?)"}, or empty
     */
    public static String didYouMean(List<String> suggestions) {
        if (suggestions.isEmpty()) {
            return "";
        }
        if (suggestions.size() == 1) {
            return " (did you mean " + suggestions.get(0) + "?)";
        }
        return " (did you mean " + String.join(", ", suggestions.subList(0, suggestions.size() - 1)) + " or "
                + suggestions.get(suggestions.size() - 1) + "?)";
    }

    /** Optimal string alignment distance. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
