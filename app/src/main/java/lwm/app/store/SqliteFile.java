package lwm.app.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The one SQLite connection (WAL journal, {@code synchronous=NORMAL}) the stores of a data directory share; every
 * transaction holds this object's lock, so the stores may be called from any thread.
 *
 * <p>The process that opens the file first also holds {@code <file>.lock} until it closes: only it may take work
 * found RUNNING for the leftovers of a crash ({@link #sole}); a second process (the command line beside the desktop)
 * leaves the first one's running work alone.
 */
final class SqliteFile implements AutoCloseable {
    interface Work<T> {
        T run() throws SQLException;
    }

    final Path file;
    final Connection db;
    final Path backup;
    /** True when no other process has the file open: work marked running here was cut off by a crash. */
    final boolean sole;
    private final java.nio.channels.FileChannel lockFile;

    private SqliteFile(Path file, Connection db, Path backup, java.nio.channels.FileChannel lockFile) {
        this.file = file;
        this.db = db;
        this.backup = backup;
        this.lockFile = lockFile;
        this.sole = lockFile != null;
    }

    /** The open lock file when this process is the only one with the store open, else null. */
    private static java.nio.channels.FileChannel soleOwner(Path file) {
        java.nio.channels.FileChannel channel = null;
        try {
            channel = java.nio.channels.FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            if (channel.tryLock() != null) {
                return channel;
            }
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            // another holder (this JVM or another process), or no locks on this file system: not the sole owner
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was locked
            }
        }
        return null;
    }

    /** Opens (creating or migrating) the database at {@code file}; {@code what} names it in errors. */
    static SqliteFile open(Path file, List<String> migrations, String what) {
        Connection db = null;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            db = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("PRAGMA foreign_keys = ON");
            }
            return new SqliteFile(file, db, Schema.migrate(db, file, migrations), soleOwner(file));
        } catch (SQLException | IOException | RuntimeException e) {
            closeQuietly(db);
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException(file + ": cannot open the " + what + " (" + e.getMessage() + ")", e);
        }
    }

    /** One transaction: all of {@code work} or nothing. */
    synchronized <T> T write(Work<T> work) {
        try {
            db.setAutoCommit(false);
            try {
                T result = work.run();
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(file + ": " + e.getMessage(), e);
        }
    }

    synchronized <T> T read(Work<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw new StoreException(file + ": " + e.getMessage(), e);
        }
    }

    /** Runs one statement with {@code parameters} in its own transaction; returns the rows changed. */
    int update(String sql, Object... parameters) {
        return write(() -> {
            try (PreparedStatement p = db.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    p.setObject(i + 1, parameters[i]);
                }
                return p.executeUpdate();
            }
        });
    }

    static long generatedKey(PreparedStatement p) throws SQLException {
        try (ResultSet keys = p.getGeneratedKeys()) {
            return keys.getLong(1);
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(db);
        if (lockFile != null) {
            try {
                lockFile.close(); // releases the lock
            } catch (IOException ignored) {
                // the process ending releases it too
            }
        }
    }

    private static void closeQuietly(Connection db) {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // Closing is best effort: the WAL is consistent whatever happens here.
            }
        }
    }
}
