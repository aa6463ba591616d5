using System.Diagnostics;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Storage.Backup;
using Npgsql;
using static CrsMonitor.Service.Tests.Storage.Backup.BackupWard;

namespace CrsMonitor.Service.Tests.Storage.Backup;

/// <summary>
/// PostgreSQL 15 (the test server): <c>backup</c> runs pg_dump -Fc while the service keeps writing, <c>restore</c> runs
/// pg_restore into a new empty database, and a service started on it reads back the same data with an audit that
/// verifies. Refusals: pg_dump missing or older than the server, a database that is not empty, a truncated archive,
/// a missing file.
/// </summary>
[NonParallelizable]
public sealed class PostgresBackupRestoreTests
{
    private const string Bin = PostgresServer.BinDirectory;

    private TempDirectory backups = null!;
    private TestDatabase live = null!;

    [SetUp]
    public async Task Database()
    {
        backups = new TempDirectory();
        live = await TestDatabase.CreateAsync(StorageProvider.Postgres);
    }

    [TearDown]
    public async Task Remove()
    {
        NpgsqlConnection.ClearAllPools();
        await live.DisposeAsync();
        backups.Dispose();
    }

    [Test]
    public async Task Backup_WhileAWriterWrites_RestoresIntoAnEmptyDatabase_AndAHostThereReadsTheSameDataAndAudit()
    {
        const int ReadingsPerPatient = 1000;
        var backup = Path.Combine(backups.Path, "crsmonitor.dump");
        var settings = new Dictionary<string, string?>(live.HostSettings) { ["Storage:AuditSealSettleSeconds"] = "0" };
        using var host = new ServiceHost(settings);
        await SeedAsync(host, ReadingsPerPatient);

        var server = await PostgresServer.StartedAsync();
        var target = await server.CreateDatabaseAsync();
        try
        {
            await using var writer = new Writer(host);
            writer.Start();
            await writer.AtLeastAsync(20);
            var beforeBackup = writer.Count;
            var clock = Stopwatch.StartNew();
            var made = await Task.Run(() => Verb(["backup", "--to", backup], live.HostSettings, Bin));
            var took = clock.Elapsed;
            var afterBackup = writer.Count;
            await writer.AtLeastAsync(afterBackup + 20);

            var targetSettings = new Dictionary<string, string?>(live.HostSettings) { ["Storage:ConnectionString"] = server.ConnectionStringFor(target) };
            clock.Restart();
            var back = Verb(["restore", "--from", backup], targetSettings, Bin);
            var restoreTook = clock.Elapsed;
            Assert.That(back.Code, Is.EqualTo(BackupExit.Done), back.Stderr);

            using var restored = new ServiceHost(new Dictionary<string, string?>(targetSettings) { ["Storage:AuditSealSettleSeconds"] = "0" });
            var before = writer.Acknowledged.Take(beforeBackup).ToList();
            var liveRead = await ReadBackAsync(host, before);
            var restoredRead = await ReadBackAsync(restored, before);
            var audit = Verb(["verify-audit"], targetSettings);
            TestContext.Progress.WriteLine($"FIGURE postgres backup of {ReadingsPerPatient * Patients.Length} readings: pg_dump {took.TotalSeconds:0.00} s, restore {restoreTook.TotalSeconds:0.00} s, {new FileInfo(backup).Length} bytes; writer {beforeBackup} before, {afterBackup} after");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(made.Code, Is.EqualTo(BackupExit.Done), made.Stderr);
                Assert.That(made.Stdout, Does.Contain("custom format").And.Contain("this version's schema").And.Contain("patients 3,"));
                Assert.That(back.Stdout, Does.Contain("restore: audit verified: ").And.Contain("seals"));
                Assert.That(writer.Failures, Is.Empty);
                Assert.That(restoredRead, Is.EqualTo(liveRead), "the restored service reads the same patients, alerts and Observations");
                Assert.That(audit.Code, Is.EqualTo(AuditVerifyCommand.Verified), audit.Stdout + audit.Stderr);
                Assert.That(Directory.GetFiles(backups.Path), Is.EqualTo(new[] { backup }), "no temporary file is left");
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await server.DropDatabaseAsync(target);
        }
    }

    [Test]
    public void Backup_WithoutPgDump_CouldNotRun_SayingWhatToInstall()
    {
        var made = Verb(["backup", "--to", Path.Combine(backups.Path, "x.dump")], live.HostSettings, backups.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(made.Code, Is.EqualTo(BackupExit.CouldNotRun));
            Assert.That(made.Stderr, Does.Contain("pg_dump was not found on PATH").And.Contain("postgresql-client"));
        }
    }

    [Test]
    public void Backup_WithAPgDumpOlderThanTheServer_CouldNotRun_NamingBothVersions()
    {
        var fake = Path.Combine(backups.Path, "pg_dump");
        File.WriteAllText(fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.16'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }

        var made = Verb(["backup", "--to", Path.Combine(backups.Path, "x.dump")], live.HostSettings, backups.Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(made.Code, Is.EqualTo(BackupExit.CouldNotRun));
            Assert.That(made.Stderr, Does.Contain("pg_dump 13").And.Contain("older than the server (PostgreSQL 15)"));
        }
    }

    [Test]
    public void Restore_IntoADatabaseThatIsNotEmpty_CouldNotRun_AndATruncatedArchive_FailsItsCheck()
    {
        var backup = Path.Combine(backups.Path, "crsmonitor.dump");
        var made = Verb(["backup", "--to", backup], live.HostSettings, Bin);
        Assert.That(made.Code, Is.EqualTo(BackupExit.Done), made.Stderr);
        var bytes = File.ReadAllBytes(backup);
        var truncated = Path.Combine(backups.Path, "truncated.dump");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length * 2 / 3)]);

        var notEmpty = Verb(["restore", "--from", backup], live.HostSettings, Bin);
        var cut = Verb(["restore", "--from", truncated], live.HostSettings, Bin);
        var missing = Verb(["restore", "--from", Path.Combine(backups.Path, "none.dump")], live.HostSettings, Bin);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(notEmpty.Code, Is.EqualTo(BackupExit.CouldNotRun));
            Assert.That(notEmpty.Stderr, Does.Contain("is not empty").And.Contain("restore into a new database"));
            Assert.That(cut.Code, Is.EqualTo(BackupExit.CheckFailed));
            Assert.That(cut.Stderr, Does.Contain("was not restored: pg_restore cannot read it"));
            Assert.That(missing.Code, Is.EqualTo(BackupExit.CouldNotRun));
        }
    }
}
