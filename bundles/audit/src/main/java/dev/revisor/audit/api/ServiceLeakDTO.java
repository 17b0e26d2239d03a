package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** The service of a {@code service} finding. */
public class ServiceLeakDTO extends DTO {
    /** The {@code service.id} it had. */
    public long serviceId;
    /** Its {@code objectClass}: the interfaces it was registered under. */
    public List<String> objectClass;
    /** The class of the service object. */
    public String objectType;
    /** The bundles that had obtained it and not released it when it was unregistered. */
    public List<BundleRefDTO> holders;
}
