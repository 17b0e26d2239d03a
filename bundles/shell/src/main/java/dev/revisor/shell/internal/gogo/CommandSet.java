package dev.revisor.shell.internal.gogo;

/**
 * Marks a DS component whose public methods annotated with {@code @Descriptor} are shell commands. The component names
 * its functions with {@link CommandNames}; {@link CommandRegistrar} puts each one into Gogo behind a
 * {@link CommandFunction}, which answers {@code --help}, wrong arguments and unknown options with the command's usage.
 */
public interface CommandSet {
}
