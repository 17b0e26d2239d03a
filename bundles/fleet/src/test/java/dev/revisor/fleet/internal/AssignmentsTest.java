package dev.revisor.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AssignmentsTest {
    @Test
    void acceptsWhatACoordinatorWrites() {
        assertThat(Assignments.problem("org.example.x", assignment())).isNull();
    }

    @Test
    void refusesNamesThatWouldLeaveTheFolders() {
        Docs.Assignment a = assignment();
        a.file = "../etc/config.jar";
        assertThat(Assignments.problem("org.example.x", a)).contains("not a plain jar name");
        a = assignment();
        a.rollout = "../../x";
        assertThat(Assignments.problem("org.example.x", a)).contains("rollout id");
        a = assignment();
        a.artifact = "/etc/passwd";
        assertThat(Assignments.problem("org.example.x", a)).contains("inside the store");
        a = assignment();
        a.sha256 = "abc";
        assertThat(Assignments.problem("org.example.x", a)).contains("SHA-256");
        assertThat(Assignments.problem("org.example.y", assignment())).contains("org.example.x");
    }

    private static Docs.Assignment assignment() {
        Docs.Assignment a = new Docs.Assignment();
        a.rollout = "fleet-20261207-011525-1148";
        a.action = "apply";
        a.plugin = "org.example.x";
        a.file = "org.example.x.jar";
        a.sha256 = "16ef122f4e3ae2c3950881684152653753adb076454aa5eb9902e7458994a45c";
        a.artifact = "fleet/org/example/x/1.0.0/org.example.x-1.0.0-16ef122f4e3a.jar";
        a.holdMillis = 1000;
        return a;
    }
}
