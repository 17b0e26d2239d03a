/**
 * Report titles. The API returns {@link org.example.utils.Text}, so bnd declares that this package uses
 * org.example.utils: whoever imports org.example.report must see the same org.example.utils as this bundle (1.x).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.example.report;
