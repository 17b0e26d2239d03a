package dev.revisor.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines of a batch ({@code exec -} from standard input, {@code exec --file F} from a file): one Gogo
 * command line per line; blank lines and lines whose first non-blank character is {@code #} are skipped; leading and
 * trailing blanks and a carriage return before the line end are dropped. The whole input is read and checked before
 * anything runs, so a batch with a bad line runs nothing.
 * <p>
 * Stateless; runs on the client's main thread.
 */
final class BatchInput {
    /** The most a batch input may hold: far more than any script, small enough for a short-lived client JVM. */
    static final int MAX_INPUT_BYTES = 16 << 20;

    /** One command line and where it came from (1-based line number in its input). */
    static final class Line {
        final int number;
        final String text;
        final byte[] bytes;

        Line(int number, String text) {
            this.number = number;
            this.text = text;
            this.bytes = text.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The input cannot be used; the message names it. */
    static final class BadInput extends Exception {
        private static final long serialVersionUID = 1L;

        BadInput(String message) {
            super(message);
        }
    }

    private BatchInput() {
    }

    /** @return how the input is named in messages: the file as given, or "standard input" */
    static String describe(String source) {
        return source.equals("-") ? "standard input" : source;
    }

    /**
     * Reads the batch from {@code source}: {@code -} for {@code stdin}, else a file path (relative to the current
     * directory).
     */
    static List<Line> read(String source, InputStream stdin) throws BadInput {
        byte[] bytes;
        if (source.equals("-")) {
            try {
                bytes = stdin.readNBytes(MAX_INPUT_BYTES + 1);
            } catch (IOException e) {
                throw new BadInput("cannot read the command lines from standard input: " + e.getMessage());
            }
        } else {
            Path file = Path.of(source);
            try {
                if (Files.isDirectory(file)) {
                    throw new BadInput("--file " + source + " is a directory, not a file of command lines");
                }
                if (Files.size(file) > MAX_INPUT_BYTES) {
                    throw new BadInput(tooLong(source));
                }
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new BadInput("--file " + source + ": no such file");
            } catch (AccessDeniedException e) {
                throw new BadInput("--file " + source + ": permission denied (cannot read it)");
            } catch (IOException e) {
                throw new BadInput("--file " + source + ": cannot read it: " + e.getMessage());
            }
        }
        if (bytes.length > MAX_INPUT_BYTES) {
            throw new BadInput(tooLong(source));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInput(describe(source) + " is not UTF-8 text");
        }
        return parse(text, source);
    }

    private static String tooLong(String source) {
        return describe(source) + " holds more than " + (MAX_INPUT_BYTES >> 20) + " MiB of command lines";
    }

    /** Splits {@code text} into command lines; see the class comment for what is skipped. */
    static List<Line> parse(String text, String source) throws BadInput {
        List<Line> lines = new ArrayList<>();
        int number = 0;
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            number++;
            String line = text.substring(start, end).strip();
            start = end + 1;
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            Line parsed = new Line(number, line);
            if (parsed.bytes.length > ExecClient.MAX_COMMAND_LINE) {
                throw new BadInput("line " + number + " of " + describe(source) + " is " + parsed.bytes.length
                        + " bytes long; the control socket takes at most " + ExecClient.MAX_COMMAND_LINE);
            }
            lines.add(parsed);
        }
        return lines;
    }
}
