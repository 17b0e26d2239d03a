package dev.revisor.shell.internal.control;

/**
 * Refuses, in one linear pass, command lines that would make Gogo's parser slow before any of it reaches Gogo.
 * <p>
 * Gogo 1.1.6's tokenizer and parser take time that grows with the number of statement separators, quotes,
 * redirections and similar characters times the length of the line (measured: 64 KiB of {@code ;} 2.9 s, 1 MiB of
 * {@code "} 49 s, 512 {@code ;} before 16 KiB of letters 1.3 s), and deep nesting of brackets overflows its
 * recursive parser's stack. Ordinary command lines have few of
 * them, so a line is refused when it has more than {@code maxSpecials} such characters or nests brackets deeper
 * than {@link #MAX_NESTING}. docs/control-socket.md lists the limits.
 * <p>
 * Concurrent Semantics: stateless, thread safe.
 */
final class RequestGuard {
    /** The default of {@code max.request.specials}. */
    static final int MAX_SPECIALS = 128;
    /** How deep {@code ( [ {} may nest. */
    static final int MAX_NESTING = 32;
    /** The characters counted: the ones with a meaning to Gogo's tokenizer. */
    static final String SPECIALS = ";&|<>=\n\r\"'()[]{}$`\\";

    private RequestGuard() {
    }

    /** @throws BadRequestException naming the limit that the line breaks */
    static void check(String line, int maxSpecials) throws BadRequestException {
        int specials = 0;
        int depth = 0;
        int deepest = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (SPECIALS.indexOf(c) < 0) {
                continue;
            }
            specials++;
            if (c == '(' || c == '[' || c == '{') {
                deepest = Math.max(deepest, ++depth);
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        if (specials > maxSpecials) {
            throw new BadRequestException("the command line has " + specials + " characters with a meaning to the"
                    + " Gogo parser (; & | < > = quotes brackets braces $ ` \\ and line breaks); at most " + maxSpecials
                    + " are accepted, because parsing takes time quadratic in their number");
        }
        if (deepest > MAX_NESTING) {
            throw new BadRequestException("the command line nests brackets " + deepest + " deep; at most "
                    + MAX_NESTING + " levels are accepted");
        }
    }
}
