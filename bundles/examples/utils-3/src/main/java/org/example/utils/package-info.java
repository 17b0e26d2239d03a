/**
 * A tiny text library, major version 3: {@code Text.truncate(int)} is new.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.0.0")
package org.example.utils;
