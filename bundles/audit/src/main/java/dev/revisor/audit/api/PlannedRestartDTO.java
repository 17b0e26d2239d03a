package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** One bundle a refresh would take down and bring back, and why. */
public class PlannedRestartDTO extends DTO {
    public BundleRefDTO bundle;
    /** Its state now: ACTIVE, RESOLVED, INSTALLED, ... */
    public String state;
    /** Whether it is active now and so would be stopped and started again. */
    public boolean restarts;
    /** Why it is affected: one entry per wire (or {@code trigger} when the caller named it). */
    public List<PlanReasonDTO> reasons;
    /** DS components of this bundle that would be deactivated meanwhile. */
    public List<String> components;
    /** Service interfaces this bundle registers that would go away meanwhile. */
    public List<String> services;
    /** Whether the change removes it (an uninstall trigger): it stops and does not come back. */
    public boolean removed;
    /**
     * What the change would likely break for this bundle, in plain words, e.g. that no other bundle exports a
     * package it imports from an uninstalled trigger. Empty when nothing is foreseen.
     */
    public List<String> problems;
    /**
     * For an uninstall: the requirements nothing would provide once the removed bundles are gone (directly, or through a
     * bundle stranded in turn), so this bundle would not resolve again and stays {@code INSTALLED} until a provider is
     * back. Optional requirements are not listed (they are in {@link #problems}). Empty when it would resolve.
     *
     * @since 1.1
     */
    public List<StrandedDTO> stranded;
}
