package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void recordsSurviveARestart() throws Exception {
        StateStore store = new StateStore(dir.resolve("deploy"));
        FileRecord r = new FileRecord();
        r.file = "a.jar";
        r.bundleId = 12;
        r.sha256 = "abc";
        r.state = "deployed";
        store.saveRecords(List.of(r));
        Map<String, FileRecord> loaded = new StateStore(dir.resolve("deploy")).loadRecords();
        assertThat(loaded).containsKey("a.jar");
        assertThat(loaded.get("a.jar").bundleId).isEqualTo(12);
        assertThat(loaded.get("a.jar").sha256).isEqualTo("abc");
        assertThat(dir.resolve("deploy/.state.json.tmp")).doesNotExist();
    }

    @Test
    void theWriteAheadRecordIsWrittenReadAndCleared() throws Exception {
        StateStore store = new StateStore(dir);
        assertThat(store.readTransaction()).isNull();
        Transaction tx = new Transaction();
        tx.file = "a.jar";
        tx.action = Transaction.UPDATE;
        tx.bundleId = 7;
        tx.lastModifiedBefore = 42;
        tx.activeBefore.add(7L);
        store.writeTransaction(tx);
        Transaction read = store.readTransaction();
        assertThat(read.action).isEqualTo(Transaction.UPDATE);
        assertThat(read.phase).isEqualTo(Transaction.PREPARED);
        assertThat(read.activeBefore).containsExactly(7L);
        store.clearTransaction();
        assertThat(store.readTransaction()).isNull();
    }

    @Test
    void stagingHashesTheBytesAndKeepMakesThemThePreviousBytes() throws Exception {
        StateStore store = new StateStore(dir.resolve("s"));
        Path source = Files.writeString(dir.resolve("x.jar"), "hello");
        String sha = store.stage(source, "x.jar");
        assertThat(sha).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(StateStore.sha256Of(store.staging("x.jar"))).isEqualTo(sha);
        store.keep("x.jar");
        assertThat(store.staging("x.jar")).doesNotExist();
        assertThat(store.bytes("x.jar")).hasContent("hello");
        store.forget("x.jar");
        assertThat(store.bytes("x.jar")).doesNotExist();
    }

    @Test
    void anUnreadableStateFileIsAnErrorNotAnEmptyState() throws Exception {
        StateStore store = new StateStore(dir);
        Files.writeString(dir.resolve("state.json"), "{ not json");
        assertThatThrownBy(store::loadRecords).hasMessageContaining("state.json");
    }
}
