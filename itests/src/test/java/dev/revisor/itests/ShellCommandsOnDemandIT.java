package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.gogo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;

import dev.revisor.itests.RevisorTestSupport.Result;

/**
 * The shell's command components are activated on the first use of one of their commands, not when the shell starts
 * (docs/shell.md): after the start a command set is registered with Gogo but not active; its first call activates it,
 * and its other commands use the same object.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ShellCommandsOnDemandIT {
    private static final String LEAKS = "dev.revisor.shell.internal.LeaksCommand";
    private static final String OPERATIONS = "dev.revisor.shell.internal.OperationsCommands";

    @Inject
    private CommandProcessor processor;
    @Inject
    private ServiceComponentRuntime scr;

    @Configuration
    public Option[] config() {
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void aCommandSetIsActivatedByTheFirstUseOfOneOfItsCommands() {
        assertEquals(ComponentConfigurationDTO.SATISFIED, state(LEAKS));
        assertEquals(ComponentConfigurationDTO.SATISFIED, state(OPERATIONS));

        Result leaks = gogo(processor, "audit:leaks");
        assertNull(leaks.toString(), leaks.failure);
        assertEquals(ComponentConfigurationDTO.ACTIVE, state(LEAKS));
        assertEquals("another command set is still not active", ComponentConfigurationDTO.SATISFIED, state(OPERATIONS));

        Result ops = gogo(processor, "audit:ops");
        assertNull(ops.toString(), ops.failure);
        Result stops = gogo(processor, "audit:stops");
        assertNull(stops.toString(), stops.failure);
        assertEquals(ComponentConfigurationDTO.ACTIVE, state(OPERATIONS));
        assertEquals("one configuration serves all its commands", 1, configurations(OPERATIONS));
    }

    private int state(String name) {
        return RevisorTestSupport.componentState(scr, name);
    }

    private int configurations(String name) {
        return RevisorTestSupport.componentConfigurations(scr, name).size();
    }
}
