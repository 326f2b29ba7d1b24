package org.mida.server.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Private directories and generated secrets of the embedded backends: directories {@code 0700},
 * secret files {@code 0600}, passwords from {@link SecureRandom} (256 bits, base64url, so they fit in
 * a URI unescaped). On file systems without POSIX permissions (Windows) the files are created
 * without them.
 */
public final class Secrets {
    private static final Logger LOG = LoggerFactory.getLogger(Secrets.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private Secrets() {}

    /** A new random password: 32 bytes from SecureRandom, base64url without padding (43 characters). */
    public static String newPassword() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Creates {@code dir} (and its parents) if missing and makes it {@code 0700}: only the MIDA user
     * can list or open what it holds.
     */
    public static Path privateDir(Path dir) {
        try {
            Files.createDirectories(dir);
            if (posix(dir)) {
                Files.setPosixFilePermissions(dir, OWNER_DIR);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the private directory " + dir, e);
        }
    }

    /**
     * The password kept in {@code file}: read if the file exists (and made {@code 0600} if it was
     * not), else generated and written there {@code 0600} (atomically: a reader never sees half of
     * it). A file that exists but holds no password is an error, not silently replaced.
     */
    public static String password(Path file) {
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalStateException(file + " must be a regular file holding a password");
                }
                restrict(file);
                String pw = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (pw.isEmpty() || pw.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\'' || c == '\\')) {
                    throw new IllegalStateException(file + " must hold one password (no spaces, quotes or"
                            + " backslashes); delete it to have a new one generated");
                }
                return pw;
            }
            String pw = newPassword();
            writePrivate(file, pw + "\n");
            LOG.info("generated a new password in {}", file);
            return pw;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the password file " + file, e);
        }
    }

    /** Writes {@code text} to {@code file}, replacing it atomically, readable by the owner only. */
    public static void writePrivate(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp;
        if (posix(dir)) {
            FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(OWNER_FILE);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp", attr);
        } else {
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        }
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void restrict(Path file) throws IOException {
        if (posix(file)
                && !Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)
                        .equals(OWNER_FILE)) {
            LOG.warn("{} was readable by others; made it 0600 (rotate the password if others may have read it)", file);
            Files.setPosixFilePermissions(file, OWNER_FILE);
        }
    }

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
