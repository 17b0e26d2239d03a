package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * A package that one bundle sees from more than one bundle at once: its own content and bundles it requires with
 * {@code Require-Bundle}, or several required bundles. Which class wins depends on search order.
 */
public class SplitPackageDTO extends DTO {
    /** The package name. */
    public String packageName;
    /** The bundle whose class space holds the split package. */
    public BundleRefDTO bundle;
    /** The bundles the parts come from (the bundle itself when it has classes of the package). */
    public List<BundleRefDTO> sources;
    /** Plain words, with what to do about it. */
    public String note;
}
