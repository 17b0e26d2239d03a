package dev.revisor.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
    @TempDir
    Path data;

    @Test
    void aPasswordIsGeneratedOnceIntoAFileOnlyItsOwnerCanRead() throws IOException {
        Credentials first = Credentials.load(null, null, data);
        Path file = data.resolve(Credentials.PASSWORD_FILE);
        String password = Files.readString(file).trim();
        assertThat(password).hasSizeGreaterThanOrEqualTo(20);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(first.user()).isEqualTo("admin");
        assertThat(first.matches("admin", password)).isTrue();
        assertThat(first.matches("admin", "admin")).isFalse();
        assertThat(first.matches("root", password)).isFalse();

        Credentials again = Credentials.load(null, "", data);
        assertThat(Files.readString(file).trim()).isEqualTo(password);
        assertThat(again.matches("admin", password)).isTrue();
        assertThat(again.source()).isEqualTo(file.toString());
    }

    @Test
    void aFileOthersCouldReadIsMadeTheOwnersAlone() throws IOException {
        Path file = data.resolve(Credentials.PASSWORD_FILE);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "chosen-by-hand\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Credentials.load("ops", null, data).matches("ops", "chosen-by-hand")).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aPasswordFromEtcIsPlainOrItsSha256() throws IOException {
        assertThat(Credentials.load("admin", "s3cret", data).matches("admin", "s3cret")).isTrue();
        String hash = "{sha-256}" + Base64.getEncoder().encodeToString(Credentials.sha256("s3cret"));
        Credentials hashed = Credentials.load("admin", hash, data);
        assertThat(hashed.matches("admin", "s3cret")).isTrue();
        assertThat(hashed.matches("admin", hash)).isFalse();
        assertThat(hashed.source()).isEqualTo(Credentials.PASSWORD_PROPERTY);
        assertThat(Files.exists(data.resolve(Credentials.PASSWORD_FILE))).isFalse();
    }

    @Test
    void aBadHashIsAClearError() {
        assertThatThrownBy(() -> Credentials.load("admin", "{sha-256}not base64!", data))
                .hasMessageContaining(Credentials.PASSWORD_PROPERTY).hasMessageContaining("Base64");
        assertThatThrownBy(() -> Credentials.load("admin", "{sha-256}AAAA", data))
                .hasMessageContaining("32 bytes");
    }
}
