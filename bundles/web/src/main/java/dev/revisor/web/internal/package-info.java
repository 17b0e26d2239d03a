/**
 * The Revisor pages of the Apache Felix Web Console and the console's security provider. Private: nothing here is
 * exported. Each page reads the audit and deploy APIs and prints the same DTOs as the {@code --json} commands.
 */
package dev.revisor.web.internal;
