using System.Diagnostics;
using System.Net;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Storage.Backup;
using Dapper;
using Microsoft.Data.Sqlite;
using static CrsMonitor.Service.Tests.Storage.Backup.BackupWard;

namespace CrsMonitor.Service.Tests.Storage.Backup;

/// <summary>
/// SQLite: <c>backup</c> while the service keeps writing, <c>restore</c> into a fresh data folder, and a service started
/// on the restored database reads back the same patients, alerts and Observations with an audit that verifies. And the
/// refusals: no file, a truncated file, a newer schema, a database in use, a restore over a database without --force.
/// </summary>
[NonParallelizable]
public sealed class SqliteBackupRestoreTests
{
    private static readonly Dictionary<string, string?> Sealing = new() { ["Storage:AuditSealSettleSeconds"] = "0" };

    private TempDirectory backups = null!;

    [SetUp]
    public void Folder() => backups = new TempDirectory();

    [TearDown]
    public void Remove() => backups.Dispose();

    [Test]
    public async Task Backup_WhileAWriterWrites_RestoresIntoAFreshFolder_AndAHostThereReadsTheSameDataAndAudit()
    {
        const int ReadingsPerPatient = 1000;
        var backup = Path.Combine(backups.Path, "crsmonitor-backup.db");
        using var live = new ServiceHost(Sealing);
        await SeedAsync(live, ReadingsPerPatient);
        var liveDb = Path.Combine(live.Data.Path, StorageSettings.SqliteFileName);

        int beforeBackup, afterBackup;
        (int Code, string Stdout, string Stderr) made;
        TimeSpan took;
        await using (var writer = new Writer(live))
        {
            writer.Start();
            await writer.AtLeastAsync(20);
            beforeBackup = writer.Count;
            var clock = Stopwatch.StartNew();
            made = await Task.Run(() => Verb(["backup", "--to", backup], Sqlite(liveDb)));
            took = clock.Elapsed;
            afterBackup = writer.Count;
            await writer.AtLeastAsync(afterBackup + 20);
            Assert.That(writer.Failures, Is.Empty, "no write failed or waited out its lock while the backup ran");
            var written = writer.Acknowledged;

            using var restored = new ServiceHost(Sealing);
            var restoredDb = Path.Combine(restored.Data.Path, StorageSettings.SqliteFileName);
            var back = Verb(["restore", "--from", backup], Sqlite(restoredDb));
            Assert.That(back.Code, Is.EqualTo(BackupExit.Done), back.Stderr);

            // Every write acknowledged before the backup began is in it; the backup is one snapshot, so what it holds of
            // the writer's Observations is a prefix of what the writer was told was stored.
            int held;
            await using (var c = new SqliteConnection($"Data Source={restoredDb};Pooling=False"))
            {
                held = (int)await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM fhir_resource WHERE resource_type = 'Observation' AND id IN @Ids", new { Ids = written });
            }

            var before = written.Take(beforeBackup).ToList();
            var liveRead = await ReadBackAsync(live, before);
            var restoredRead = await ReadBackAsync(restored, before);
            var audit = Verb(["verify-audit"], Sqlite(restoredDb));
            TestContext.Progress.WriteLine($"FIGURE sqlite backup of {ReadingsPerPatient * Patients.Length} readings + {afterBackup}: {took.TotalSeconds:0.00} s, {new FileInfo(backup).Length} bytes; writer {beforeBackup} before, {afterBackup} after");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(made.Code, Is.EqualTo(BackupExit.Done), made.Stderr);
                Assert.That(made.Stdout, Does.Contain("integrity ok").And.Contain("this version's schema").And.Contain("patients 3,"));
                Assert.That(back.Stdout, Does.Contain("restore: audit verified: ").And.Contain("seals"));
                Assert.That(held, Is.InRange(beforeBackup, afterBackup), "the backup holds the writes acknowledged before it, and none after it ended");
                Assert.That(restoredRead, Is.EqualTo(liveRead), "the restored service reads the same patients, alerts and Observations");
                Assert.That(audit.Code, Is.EqualTo(AuditVerifyCommand.Verified), audit.Stdout + audit.Stderr);
                Assert.That(Directory.GetFiles(backups.Path), Is.EqualTo(new[] { backup }), "no temporary file is left");
                Assert.That(OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(backup), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "a backup holds patient data: owner-only");
            }
        }
    }

    [Test]
    public void Restore_OfAMissingFile_CouldNotRun()
    {
        var restore = Verb(["restore", "--from", Path.Combine(backups.Path, "nothing.db")], Sqlite(Path.Combine(backups.Path, "target.db")));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(restore.Code, Is.EqualTo(BackupExit.CouldNotRun));
            Assert.That(restore.Stderr, Does.Contain("there is no backup at"));
            Assert.That(File.Exists(Path.Combine(backups.Path, "target.db")), Is.False);
        }
    }

    [Test]
    public async Task Restore_OfATruncatedBackup_FailsItsCheck_AndLeavesTheDatabaseAsItWas()
    {
        var (backup, target) = await BackupOfAFreshDatabaseAsync();
        var bytes = await File.ReadAllBytesAsync(backup);
        var truncated = Path.Combine(backups.Path, "truncated.db");
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        var before = await File.ReadAllBytesAsync(target);

        var restore = Verb(["restore", "--from", truncated, "--force"], Sqlite(target));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(restore.Code, Is.EqualTo(BackupExit.CheckFailed));
            Assert.That(restore.Stderr, Does.Contain("was not restored").And.Contain("integrity_check").Or.Contain("not a readable SQLite database"));
            Assert.That(await File.ReadAllBytesAsync(target), Is.EqualTo(before), "nothing replaced");
            Assert.That(Directory.GetFiles(backups.Path, "*.restoring"), Is.Empty);
        }
    }

    [Test]
    public async Task Restore_OfABackupFromANewerVersion_FailsItsCheck_NamingTheUnknownMigration()
    {
        var (backup, _) = await BackupOfAFreshDatabaseAsync();
        await using (var c = new SqliteConnection($"Data Source={backup};Pooling=False"))
        {
            await c.ExecuteAsync("INSERT INTO schema_versions (ScriptName, Applied) VALUES ('9999_from_the_future.sql', '2030-01-01')");
        }

        var target = Path.Combine(backups.Path, "fresh", "crsmonitor.db");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var restore = Verb(["restore", "--from", backup], Sqlite(target));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(restore.Code, Is.EqualTo(BackupExit.CheckFailed));
            Assert.That(restore.Stderr, Does.Contain("newer version").And.Contain("9999_from_the_future.sql"));
            Assert.That(File.Exists(target), Is.False);
        }
    }

    [Test]
    public async Task Restore_OverTheDatabaseOfARunningService_IsRefused_WithAndWithoutForce()
    {
        var (backup, _) = await BackupOfAFreshDatabaseAsync();
        using var live = new ServiceHost();
        using var anonymous = live.ClientWith(null);
        using (var ready = await anonymous.GetAsync("/health/ready"))
        {
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var liveDb = Path.Combine(live.Data.Path, StorageSettings.SqliteFileName);
        var unforced = Verb(["restore", "--from", backup], Sqlite(liveDb));
        var forced = Verb(["restore", "--from", backup, "--force"], Sqlite(liveDb));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(unforced.Code, Is.EqualTo(BackupExit.CouldNotRun));
            Assert.That(unforced.Stderr, Does.Contain("exists and a restore replaces it").And.Contain("--force"));
            Assert.That(forced.Code, Is.EqualTo(BackupExit.CouldNotRun));
            Assert.That(forced.Stderr, Does.Contain("is in use"));
            using var ready = await anonymous.GetAsync("/health/ready");
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the service is untouched");
        }
    }

    [Test]
    public async Task Restore_WithForce_ReplacesAStoppedServicesDatabase_AndItsStaleWal()
    {
        var (backup, target) = await BackupOfAFreshDatabaseAsync();
        await File.WriteAllTextAsync(target + "-wal", "a WAL of the database being replaced");
        var restore = Verb(["restore", "--from", backup, "--force"], Sqlite(target));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(restore.Code, Is.EqualTo(BackupExit.Done), restore.Stderr);
            Assert.That(File.Exists(target + "-wal"), Is.False, "a stale WAL would be replayed into the restored database");
            Assert.That(Verb(["verify-audit"], Sqlite(target)).Code, Is.EqualTo(AuditVerifyCommand.Verified));
        }
    }

    [Test]
    public void Backup_Refusals_NoDestination_TheLiveDatabase_NoDatabase()
    {
        var target = Path.Combine(backups.Path, "crsmonitor.db");
        var noDestination = Verb(["backup"], Sqlite(target));
        var noDatabase = Verb(["backup", "--to", Path.Combine(backups.Path, "b.db")], Sqlite(target));
        File.WriteAllText(target, string.Empty);
        var itself = Verb(["backup", "--to", target], Sqlite(target));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((noDestination.Code, noDestination.Stderr.Contains(BackupCommand.Usage, StringComparison.Ordinal)), Is.EqualTo((BackupExit.CouldNotRun, true)));
            Assert.That((noDatabase.Code, noDatabase.Stderr.Contains("there is no database at", StringComparison.Ordinal)), Is.EqualTo((BackupExit.CouldNotRun, true)));
            Assert.That((itself.Code, itself.Stderr.Contains("is the live database", StringComparison.Ordinal)), Is.EqualTo((BackupExit.CouldNotRun, true)));
        }
    }

    /// <summary>A migrated database (the stopped service's), and a backup of it.</summary>
    private async Task<(string Backup, string Target)> BackupOfAFreshDatabaseAsync()
    {
        var target = Path.Combine(backups.Path, "crsmonitor.db");
        Migrations.Run(StorageProvider.Sqlite, $"Data Source={target};Pooling=False", Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var backup = Path.Combine(backups.Path, "backup.db");
        var made = Verb(["backup", "--to", backup], Sqlite(target));
        Assert.That(made.Code, Is.EqualTo(BackupExit.Done), made.Stderr);
        await Task.CompletedTask;
        return (backup, target);
    }
}
