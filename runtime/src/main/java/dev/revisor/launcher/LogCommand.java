package dev.revisor.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * {@code bin/revisor log [-f] [-n LINES]}: prints the last lines of the instance's log and, with {@code -f}, what is
 * appended to it, on this (the main) thread until the process is interrupted. The log is {@code data/log/revisor.log}
 * (the runtime's rotating log) when it exists, else {@code data/log/console.out} (what {@code start} captured).
 * Following notices a rotation (the path names another file) or a truncation, and switches to revisor.log when it
 * appears while console.out is followed.
 */
final class LogCommand {
    private static final long POLL_MILLIS = 250;

    private final Layout layout;
    private final PrintStream out;
    private final PrintStream err;

    LogCommand(Layout layout, PrintStream out, PrintStream err) {
        this.layout = layout;
        this.out = out;
        this.err = err;
    }

    static Path runtimeLog(Layout layout) {
        return layout.data().resolve("log").resolve("revisor.log");
    }

    /** revisor.log when it exists, else console.out when it exists, else null. */
    Path chosen() {
        Path log = runtimeLog(layout);
        if (Files.exists(log)) {
            return log;
        }
        Path console = StartCommand.consoleLog(layout);
        return Files.exists(console) ? console : null;
    }

    int log(int lines, boolean follow) {
        Path file = chosen();
        if (file == null && !follow) {
            err.println("revisor: no log in " + layout.data().resolve("log") + " yet (revisor.log, or console.out"
                    + " of 'bin/revisor start'); an instance run in the foreground writes to its terminal");
            return ExitCodes.FAILURE;
        }
        try {
            if (file != null) {
                for (String line : lastLines(file, lines)) {
                    out.println(line);
                }
                out.flush();
            }
            if (follow) {
                follow(file);
            }
        } catch (IOException e) {
            err.println("revisor: cannot read " + (file == null ? layout.data().resolve("log") : file) + ": "
                    + e.getMessage());
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    /** Follows until interrupted; {@code file} (may be null: wait for one) has been printed up to its end. */
    private void follow(Path file) throws IOException {
        Path current = file;
        FileChannel channel = current == null ? null : open(current, true);
        Object key = current == null ? null : fileKey(current);
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (channel != null) {
                    copyNew(channel, buffer, out);
                }
                if (!StatusCommand.sleep(POLL_MILLIS)) {
                    return;
                }
                Path wanted = chosen();
                if (wanted == null) {
                    continue;
                }
                Object wantedKey = fileKey(wanted);
                boolean other = !wanted.equals(current) || !Objects.equals(wantedKey, key);
                boolean truncated = channel != null && !other && Files.size(wanted) < channel.position();
                if (other || truncated) {
                    if (channel != null) {
                        copyNew(channel, buffer, out); // the rest of the old file first
                        channel.close();
                    }
                    if (current != null) {
                        err.println("revisor: " + (truncated ? current.getFileName() + " was truncated"
                                : !wanted.equals(current) ? "now following " + wanted
                                : current.getFileName() + " was rotated") + "; reading it from its start");
                    }
                    current = wanted;
                    key = wantedKey;
                    channel = open(current, false);
                }
            }
        } finally {
            if (channel != null) {
                channel.close();
            }
        }
    }

    private static FileChannel open(Path file, boolean atEnd) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        if (atEnd) {
            channel.position(channel.size());
        }
        return channel;
    }

    private static Object fileKey(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime();
        } catch (IOException e) {
            return null;
        }
    }

    private static void copyNew(FileChannel channel, ByteBuffer buffer, OutputStream out) throws IOException {
        boolean wrote = false;
        while (true) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n <= 0) {
                break;
            }
            out.write(buffer.array(), 0, n);
            wrote = true;
        }
        if (wrote) {
            out.flush();
        }
    }

    /** The last {@code count} lines of a file (UTF-8), read from its end. */
    static List<String> lastLines(Path file, int count) throws IOException {
        if (count <= 0) {
            return List.of();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = channel.size();
            long start;
            int newlines = 0;
            ByteBuffer block = ByteBuffer.allocate(8192);
            // a final newline ends the last line; it does not start another one
            long limit = end;
            if (end > 0) {
                ByteBuffer last = ByteBuffer.allocate(1);
                channel.read(last, end - 1);
                if (last.get(0) == '\n') {
                    limit = end - 1;
                }
            }
            start = limit;
            search:
            while (start > 0) {
                int size = (int) Math.min(block.capacity(), start);
                block.clear().limit(size);
                channel.read(block, start - size);
                for (int i = size - 1; i >= 0; i--) {
                    if (block.get(i) == '\n' && ++newlines == count) {
                        start = start - size + i + 1;
                        break search;
                    }
                }
                start -= size;
            }
            ByteBuffer text = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, limit - start));
            while (text.hasRemaining() && channel.read(text, start + text.position()) > 0) {
                // read until the buffer is full
            }
            String content = new String(text.array(), 0, text.position(), StandardCharsets.UTF_8);
            if (content.isEmpty() && limit == 0) {
                return List.of();
            }
            List<String> lines = new ArrayList<>();
            Collections.addAll(lines, content.split("\n", -1));
            return lines;
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }
}
