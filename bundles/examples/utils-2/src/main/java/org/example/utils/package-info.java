/**
 * A tiny text library, major version 2: {@code Text.slug()} became {@code Text.slug(char)} and {@code Text.pad(int)} is gone.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.example.utils;
