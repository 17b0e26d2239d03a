package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * A chain of wires from a bundle to one exporter of a package.
 */
public class UsesChainDTO extends DTO {
    /** The exporter at the end of the chain. */
    public BundleRefDTO exporter;
    /** The version of the package it exports. */
    public String version;
    /** The wires, from the bundle asked about to the exporter. */
    public List<UsesStepDTO> steps;
    /** The chain in plain words. */
    public String text;
}
