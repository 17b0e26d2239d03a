package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.revisor.deploy.api.DeployFileDTO;

class FolderSettleTest {
    @TempDir
    Path folder;

    private final Map<String, FileRecord> records = new ConcurrentHashMap<>();

    private FolderSettle settle() {
        return new FolderSettle(folder, name -> true, () -> copies(), 20);
    }

    private Map<String, FileRecord> copies() {
        Map<String, FileRecord> m = new java.util.HashMap<>();
        records.forEach((k, v) -> m.put(k, v.copy()));
        return m;
    }

    /** What the deploy thread does when it takes a file up: a record that notes the file as it is. */
    private FileRecord takenUp(String name, String state) {
        FileRecord r = new FileRecord();
        r.file = name;
        r.state = state;
        long[] seen = FolderSettle.seen(folder.resolve(name));
        r.seenModified = seen[0];
        r.seenSize = seen[1];
        records.put(name, r);
        return r;
    }

    @Test
    void anEmptyFolderWithNothingToDoIsSettled() {
        assertThat(settle().inProgress()).isEmpty();
    }

    @Test
    void aJarNobodyReportedYetIsNotSettled() throws Exception {
        Files.write(folder.resolve("hello.jar"), new byte[] {1, 2, 3});
        assertThat(settle().inProgress()).singleElement().asString().startsWith("hello.jar: not taken up yet");
    }

    @Test
    void aJarTakenUpAsItIsIsSettledUntilItChanges() throws Exception {
        Path jar = Files.write(folder.resolve("hello.jar"), new byte[] {1, 2, 3});
        takenUp("hello.jar", DeployFileDTO.DEPLOYED);
        FolderSettle settle = settle();
        assertThat(settle.inProgress()).isEmpty();

        Files.write(jar, new byte[] {1, 2, 3, 4});
        assertThat(settle.inProgress()).singleElement().asString()
                .startsWith("hello.jar: changed since Revisor took it up (size 3 -> 4 bytes)");
    }

    @Test
    void everyOutcomeThatEndedCountsAsTakenUp() throws Exception {
        for (String state : List.of(DeployFileDTO.REFUSED, DeployFileDTO.FAILED, DeployFileDTO.PENDING, DeployFileDTO.ROLLED_BACK,
                DeployFileDTO.STUCK, DeployFileDTO.WAITING)) {
            Files.write(folder.resolve(state + ".jar"), new byte[] {1});
            takenUp(state + ".jar", state); // waiting: deferred behind a stuck start, its record says so
        }
        assertThat(settle().inProgress()).isEmpty();
    }

    @Test
    void anIncompleteFileIsNotSettled() throws Exception {
        Files.write(folder.resolve("half.jar"), new byte[] {1});
        takenUp("half.jar", DeployFileDTO.INCOMPLETE);
        assertThat(settle().inProgress()).singleElement().asString().startsWith("half.jar: incomplete");
    }

    @Test
    void aQueuedScheduledOrRunningTaskIsNotSettled() {
        FolderSettle settle = settle();
        settle.submitted();
        settle.submitted(); // e.g. the re-check of an incomplete file, due in a second
        assertThat(settle.inProgress()).containsExactly("2 change(s) queued or running on the deploy thread");
        settle.finished();
        assertThat(settle.inProgress()).containsExactly("1 change(s) queued or running on the deploy thread");
        settle.finished();
        assertThat(settle.inProgress()).isEmpty();
    }

    @Test
    void oneLookCountsTheTasksItsVerdictSaw() throws Exception {
        FolderSettle settle = settle();
        settle.submitted();
        FolderSettle.Look busy = settle.look();
        assertThat(busy.pending()).isEqualTo(1);
        assertThat(busy.inProgress()).containsExactly("1 change(s) queued or running on the deploy thread");
        settle.finished();
        FolderSettle.Look settled = settle.look();
        assertThat(settled.inProgress()).isEmpty();
        assertThat(settled.pending()).as("a settled look counts no change in progress").isZero();
        // a file not taken up yet keeps the folder unsettled with no task counted: the count says so, not a guess
        Files.write(folder.resolve("new.jar"), new byte[] {1});
        FolderSettle.Look waiting = settle.look();
        assertThat(waiting.pending()).isZero();
        assertThat(waiting.inProgress()).singleElement().asString().startsWith("new.jar: not taken up yet");
    }

    @Test
    void aFileThatLeftTheFolderIsNotSettledUntilItsRemovalIsHandled() throws Exception {
        Path jar = Files.write(folder.resolve("gone.jar"), new byte[] {1});
        FileRecord rec = takenUp("gone.jar", DeployFileDTO.DEPLOYED);
        Files.delete(jar);
        FolderSettle settle = settle();
        assertThat(settle.inProgress()).singleElement().asString()
                .isEqualTo("gone.jar: it left the folder; its removal is not handled yet");

        rec.seenModified = FileRecord.GONE; // the removal was taken up and waits for a stuck start
        rec.seenSize = FileRecord.GONE;
        assertThat(settle.inProgress()).isEmpty();

        records.remove("gone.jar"); // or it was carried out
        assertThat(settle.inProgress()).isEmpty();
    }

    @Test
    void aFileBackAfterItsRemovalWasTakenUpIsNotSettled() throws Exception {
        FileRecord rec = new FileRecord();
        rec.file = "back.jar";
        rec.seenModified = FileRecord.GONE;
        rec.seenSize = FileRecord.GONE;
        records.put("back.jar", rec);
        Files.write(folder.resolve("back.jar"), new byte[] {1});
        assertThat(settle().inProgress()).singleElement().asString().startsWith("back.jar: not taken up yet");
    }

    @Test
    void markersAndOtherFilesAreNotWaitedForButDotJarsAre() throws Exception {
        Files.write(folder.resolve("a.jar.failed"), new byte[] {1});
        Files.write(folder.resolve("a.jar.pending"), new byte[] {1});
        Files.write(folder.resolve("notes.txt"), new byte[] {1});
        assertThat(settle().inProgress()).isEmpty();

        Files.write(folder.resolve(".hidden.jar"), new byte[] {1}); // FileInstall 3.7.4 reports dot files too
        assertThat(settle().inProgress()).singleElement().asString().startsWith(".hidden.jar: not taken up yet");
    }

    @Test
    void filesFileInstallDoesNotReportAreNotWaitedFor() throws Exception {
        Files.write(folder.resolve("skipped.jar"), new byte[] {1});
        FolderSettle settle = new FolderSettle(folder, name -> !name.startsWith("skipped"), this::copies, 20);
        assertThat(settle.inProgress()).isEmpty();
    }

    @Test
    void aDirectoryNamedLikeAJarIsTakenUpToo() throws Exception {
        Files.createDirectory(folder.resolve("dir.jar"));
        assertThat(settle().inProgress()).singleElement().asString().startsWith("dir.jar: not taken up yet");
        takenUp("dir.jar", DeployFileDTO.REFUSED);
        assertThat(settle().inProgress()).isEmpty();
    }

    @Test
    void aMissingFolderWithoutRecordsIsSettled() throws Exception {
        Files.delete(folder);
        assertThat(settle().inProgress()).isEmpty();
    }

    @Test
    void awaitReturnsWhatIsLeftWhenTheTimeIsUp() throws Exception {
        Files.write(folder.resolve("late.jar"), new byte[] {1});
        assertThat(settle().await(0)).singleElement().asString().startsWith("late.jar: not taken up yet");
    }

    @Test
    void awaitReturnsOnceTheDeployThreadHasTakenTheFileUp() throws Exception {
        Files.write(folder.resolve("hello.jar"), new byte[] {1, 2});
        FolderSettle settle = settle();
        settle.submitted(); // FileInstall reported it
        Thread deployThread = new Thread(() -> {
            takenUp("hello.jar", DeployFileDTO.DEPLOYED);
            settle.finished();
        }, "folder-settle-test-deploy");
        deployThread.start();
        try {
            assertThat(settle.await(60_000)).isEmpty();
        } finally {
            deployThread.join(10_000);
        }
        assertThat(records.get("hello.jar").state).isEqualTo(DeployFileDTO.DEPLOYED);
    }
}
