package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** What a refresh would stop and restart, and why. */
public class RefreshPlanDTO extends DTO {
    /** {@code REFRESH}, {@code UPDATE} or {@code UNINSTALL}. */
    public String change;
    /** The bundles named by the caller. */
    public List<BundleRefDTO> triggers;
    /** Every bundle the refresh would stop (if active) and re-resolve, the triggers included, with the reasons. */
    public List<PlannedRestartDTO> affected;
    /**
     * Services registered by affected bundles that bundles outside the plan use now: those users see the services
     * go away and come back (DS components with static references are deactivated meanwhile).
     */
    public List<ServiceInUseDTO> servicesInUse;
}
