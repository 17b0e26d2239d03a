package org.example.plugin.c;

import org.example.greeting.Greeter;
import org.example.report.Report;
import org.example.utils.Text;
import org.osgi.service.component.annotations.Component;

/**
 * Plugin C: compiled against org.example.report 1.x and org.example.utils 2.x. {@code Report.title} returns the
 * {@link Text} of the utils that org.example.report is wired to (1.x), and this class calls the 2.x method
 * {@code slug(char)} on it. In a flat class path that is a {@code NoSuchMethodError} or a loader constraint
 * violation at the first call; in OSGi the resolver refuses the bundle (uses constraint) before any code runs.
 */
@Component(property = {Greeter.PLUGIN + "=c", Greeter.LANGUAGE + "=en"})
public final class ReportGreeter implements Greeter {

    @Override
    public String greet(String name) {
        Text title = Report.title(name);
        return "hello " + title.slug('.').value() + " (plugin c, org.example.utils " + Text.libraryVersion() + ")";
    }
}
