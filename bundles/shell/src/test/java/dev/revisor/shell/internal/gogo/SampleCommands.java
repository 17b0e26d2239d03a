package dev.revisor.shell.internal.gogo;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;

/** Commands shaped like Revisor's, for the tests of this package. */
public final class SampleCommands {
    @Descriptor("explain why a bundle is not Active: unresolved requirements")
    public String why(
            @Descriptor("print one JSON document instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("the bundle: an id or a symbolic name") String bundle) {
        return "why " + bundle + (json ? " json" : "");
    }

    @Descriptor("show the newest events")
    public String events(
            @Descriptor("how many events to show (default 20)")
            @Parameter(names = {"-n", "--number"}, absentValue = "20") int number,
            @Descriptor("only events about this bundle")
            @Parameter(names = {"-b", "--bundle"}, absentValue = "") String bundle,
            @Descriptor("print one JSON document instead of a table")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        return "events " + number + " " + bundle + " " + json;
    }

    @Descriptor("refresh bundles")
    public String refresh(CommandSession session, @Descriptor("the bundles") String... bundles) {
        return "refresh " + String.join(",", bundles);
    }

    @Descriptor("fails with a message of its own")
    public String fail(String what) {
        throw new IllegalArgumentException("no bundle " + what);
    }
}
