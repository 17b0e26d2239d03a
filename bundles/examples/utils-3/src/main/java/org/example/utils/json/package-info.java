/**
 * JSON helpers, new in org.example.utils 3.0 (no earlier release has this package).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.example.utils.json;
