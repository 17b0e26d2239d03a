package dev.revisor.audit.internal.leaks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.LeakChainDTO;
import dev.revisor.audit.api.LeakFindingDTO;

class FindingBookTest {
    private final ClassLoader loader = new ClassLoader(null) { };
    private final LoaderRef ref = new LoaderRef("k-1", loader, bundle(), "7.0");
    private final FindingBook book = new FindingBook();

    private static BundleRefDTO bundle() {
        BundleRefDTO b = new BundleRefDTO();
        b.id = 42;
        b.symbolicName = "org.example.x";
        b.version = "1.0.0";
        return b;
    }

    private LeakTexts.Draft zombie() {
        return LeakTexts.zombieDraft(ref, "explicit");
    }

    @Test
    void aNewSubjectIsFoundOnceAndResolvedWhenCheckedAndGone() {
        FindingBook.Changes first = book.record(List.of(zombie()), Set.of(ref), true);
        assertThat(first.found).singleElement().satisfies(f -> assertThat(f.id).isEqualTo("leak-1"));

        assertThat(book.record(List.of(zombie()), Set.of(ref), true).found).as("known already").isEmpty();

        FindingBook.Changes gone = book.record(List.of(), Set.of(ref), true);
        assertThat(gone.resolved.keySet()).extracting(f -> f.id).containsExactly("leak-1");
        assertThat(book.findings()).isEmpty();
    }

    @Test
    void aZombieIsNotResolvedByARoundWithoutGarbageCollection() {
        book.record(List.of(zombie()), Set.of(ref), true);
        assertThat(book.record(List.of(), Set.of(ref), false).resolved).isEmpty();
        assertThat(book.findings()).hasSize(1);
    }

    /** What callers get are copies: changing one (or the book setting a chain later) never touches the other. */
    @Test
    void findingsAreHandedOutAsCopiesAndAChainIsSetInTheBook() {
        book.record(List.of(zombie()), Set.of(ref), true);
        LeakFindingDTO before = book.findings().get(0);
        before.summary = "changed by a caller";
        before.evidence.add("added by a caller");

        LeakChainDTO chain = new LeakChainDTO();
        chain.status = "explained";
        String id = book.zombiesToExplain().get("k-1").id;
        book.explained(id, chain);

        LeakFindingDTO after = book.findings().get(0);
        assertThat(after.summary).isNotEqualTo("changed by a caller");
        assertThat(after.evidence).doesNotContain("added by a caller");
        assertThat(after.chain).isSameAs(chain);
        assertThat(before.chain).as("a copy handed out earlier").isNull();
    }

    @Test
    void theRevisionsOfFindingsAreCheckedAgain() {
        book.record(new ArrayList<>(List.of(zombie())), Set.of(ref), true);
        assertThat(book.revisions()).containsExactly(ref);
        assertThat(book.subjects()).containsExactly("zombie:k-1");
    }
}
