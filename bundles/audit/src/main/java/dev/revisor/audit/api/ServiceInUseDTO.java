package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** A service and the bundles other than its registrant that use it. */
public class ServiceInUseDTO extends DTO {
    public long serviceId;
    /** Its service interfaces. */
    public List<String> objectClass;
    /** The bundle that registered it. */
    public BundleRefDTO registrant;
    /** The bundles that held it (got it and did not unget it), the registrant left out. */
    public List<BundleRefDTO> usingBundles;
}
