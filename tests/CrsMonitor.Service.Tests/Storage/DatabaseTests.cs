using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>The connection and transaction rules of <see cref="Database"/> (provider-neutral logic, shown on SQLite).</summary>
public sealed class DatabaseTests
{
    [Test]
    public async Task SqliteConnection_HasWalBusyTimeoutAndForeignKeys()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var c = await db.Database.OpenAsync(default);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await c.ExecuteScalarAsync<string>("PRAGMA journal_mode"), Is.EqualTo("wal"));
            Assert.That(await c.ExecuteScalarAsync<long>("PRAGMA busy_timeout"), Is.EqualTo(5000));
            Assert.That(await c.ExecuteScalarAsync<long>("PRAGMA foreign_keys"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Sqlite_InstantsAreSortableUtcText()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var at = new DateTimeOffset(2025, 3, 1, 9, 30, 0, TimeSpan.FromHours(1)).AddTicks(1234560);
        await using var c = await db.Database.OpenAsync(default);
        await AuditStore.AppendAsync(c, null, new AuditEntry(at, null, null, "x", null, null, null, "success", null, null, null), default);
        Assert.That(await c.ExecuteScalarAsync<string>("SELECT at FROM audit_log"), Is.EqualTo("2025-03-01T08:30:00.1234560Z"));
    }

    [Test]
    public void InstantText_ReadsBackEveryStoredInstant_AsParseExactWould()
    {
        var random = new Random(20261124);
        for (var i = 0; i < 5000; i++)
        {
            var at = new DateTimeOffset(DateTime.UnixEpoch.AddTicks(random.NextInt64(0, DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks)), TimeSpan.Zero);
            var text = DbTypes.ToText(at);
            var expected = new DateTimeOffset(DateTime.ParseExact(
                text, DbTypes.InstantFormat, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));
            Assert.That(DbTypes.FromText(text), Is.EqualTo(expected).And.EqualTo(at), text);
        }
    }

    [TestCase("2025-02-29T10:00:00.0000000Z")]
    [TestCase("2025-13-01T10:00:00.0000000Z")]
    [TestCase("2025-01-01T24:00:00.0000000Z")]
    [TestCase("2025-01-01T10:60:00.0000000Z")]
    [TestCase("2025-01-01T10:00:00.000000xZ")]
    [TestCase("2025-01-01 10:00:00.0000000Z")]
    [TestCase("2025-01-01T10:00:00Z")]
    public void InstantText_NotAStoredInstant_IsRefused(string text) =>
        Assert.That(() => DbTypes.FromText(text), Throws.InstanceOf<FormatException>());

    [TestCase("Host=db;Database=crs", 100)]
    [TestCase("Host=db;Database=crs;Max Auto Prepare=0", 0)]
    [TestCase("Host=db;Database=crs;MaxAutoPrepare=7", 7)]
    public void Postgres_AutoPrepareIsOnUnlessTheConnectionStringSetsIt(string given, int expected) =>
        Assert.That(new NpgsqlConnectionStringBuilder(Database.WithAutoPrepare(given)).MaxAutoPrepare, Is.EqualTo(expected));

    [Test]
    public async Task Postgres_ReservedConnection_OpensWhileEveryPooledConnectionIsHeld()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        var small = new NpgsqlConnectionStringBuilder(db.ConnectionString) { MaxPoolSize = 2, Timeout = 3 }.ConnectionString;
        await using var database = new Database(StorageProvider.Postgres, small);
        await using var first = await database.OpenAsync(default);
        await using var second = await database.OpenAsync(default);

        // Both connections of the main pool are held (as by requests waiting for a patient's lock): an alert push still
        // gets a connection at once, instead of timing out behind them.
        await using var reserved = await database.OpenReservedAsync(default);
        Assert.That(await reserved.ExecuteScalarAsync<int>("SELECT 1"), Is.EqualTo(1));
    }

    [Test]
    public async Task InTransaction_TransientConflict_IsRunAgain_UntilItCommits()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var attempts = 0;
        var result = await db.Database.InTransactionAsync(
            async (c, tx) =>
            {
                attempts++;
                await AuditStore.AppendAsync(c, tx, new AuditEntry(DateTimeOffset.UnixEpoch, null, null, $"attempt {attempts}", null, null, null, "success", null, null, null), default);
                return attempts < 3 ? throw new SqliteException("database is locked", 5) : attempts;
            },
            default);

        await using var read = await db.Database.OpenAsync(default);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(3));
            Assert.That((await AuditStore.RecentAsync(read, 10, default)).Select(e => e.Action), Is.EqualTo(new[] { "attempt 3" }), "failed attempts rolled back");
        }
    }

    [Test]
    public async Task InTransaction_TransientConflictEveryTime_GivesUpAfterMaxAttempts()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var attempts = 0;
        Assert.That(
            async () => await db.Database.InTransactionAsync<int>((c, tx) => throw new SqliteException($"busy {++attempts}", 5), default),
            Throws.InstanceOf<SqliteException>());
        Assert.That(attempts, Is.EqualTo(Database.MaxAttempts));
    }

    [Test]
    public async Task Sqlite_WritersWaitingForTheWriteLock_WaitAsynchronously_AndAllCommit()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var (holder, release) = await HoldWriteLockAsync(db.Database);

        // Started on this thread while the lock is held: each call must hand back a pending task at once. Waiting inside
        // SQLite's busy handler instead would block this thread and, the lock still held, end in "database is locked".
        var inside = 0;
        var most = 0;
        var writers = Enumerable.Range(0, 16).Select(i => db.Database.InTransactionAsync(
            async (c, tx) =>
            {
                InterlockedMax(ref most, Interlocked.Increment(ref inside));
                await AuditStore.AppendAsync(c, tx, new AuditEntry(DateTimeOffset.UnixEpoch, null, null, $"w{i}", null, null, null, "success", null, null, null), default);
                await Task.Yield();
                Interlocked.Decrement(ref inside);
            },
            default)).ToList();
        Assert.That(writers.Count(w => w.IsCompleted), Is.Zero, "every writer is queued behind the holder");

        release.SetResult();
        await holder;
        await Task.WhenAll(writers);
        await using var read = await db.Database.OpenAsync(default);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(most, Is.EqualTo(1), "one unit of work at a time");
            Assert.That((await AuditStore.RecentAsync(read, 100, default)).Count, Is.EqualTo(16), "each committed");
        }
    }

    [Test]
    public async Task Sqlite_NestedUnitOfWork_IsRefused_InsteadOfWaitingForItself()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var nested = db.Database.InTransactionAsync(
            async (c, tx) => await db.Database.InTransactionAsync((c2, tx2) => Task.FromResult(1), default),
            default);
        Assert.That(await Task.WhenAny(nested, Task.Delay(TimeSpan.FromSeconds(30))), Is.SameAs(nested), "no deadlock");
        Assert.That(async () => await nested, Throws.InvalidOperationException.With.Message.Contains("inside another"));

        // The lock was released: the next unit of work runs.
        Assert.That(await db.Database.InTransactionAsync((c, tx) => Task.FromResult(7), default), Is.EqualTo(7));
    }

    [Test]
    public async Task Sqlite_WorkStartedFromAUnitOfWork_MayWriteOnceItHasCommitted()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int>? follow = null;
        await db.Database.InTransactionAsync(
            (c, tx) =>
            {
                // Inherits this flow's context (as an after-commit signal's reader would), then writes after COMMIT.
                follow = Task.Run(async () =>
                {
                    await later.Task;
                    return await db.Database.InTransactionAsync((c2, tx2) => Task.FromResult(2), default);
                });
                return Task.FromResult(true);
            },
            default);
        later.SetResult();
        Assert.That(await follow!, Is.EqualTo(2));
    }

    [Test]
    public async Task Sqlite_WriterCancelledWhileQueued_GivesUpWhenItsTurnComes_AndTheQueueGoesOn()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var (holder, release) = await HoldWriteLockAsync(db.Database);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var cancelled = db.Database.InTransactionAsync(
            (c, tx) =>
            {
                ran = true;
                return Task.FromResult(2);
            },
            cancel.Token);
        var after = db.Database.InTransactionAsync((c, tx) => Task.FromResult(3), default);
        await cancel.CancelAsync();
        release.SetResult();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(async () => await holder, Throws.Nothing, "the holder committed: the cancelled writer did not leave its group waiting");
            Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(ran, Is.False, "cancelled work never runs");
            Assert.That(await after, Is.EqualTo(3));
        }
    }

    [Test]
    public async Task Sqlite_GroupCommit_OneMemberFails_OnlyItsWritesAreUndone()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var signals = new List<string>();
        Task Append(DbConnection c, DbTransaction tx, string action) =>
            AuditStore.AppendAsync(c, tx, new AuditEntry(DateTimeOffset.UnixEpoch, null, null, action, null, null, null, "success", null, null, null), default);

        // The holder keeps the lock while three more queue, so all four share one group (one COMMIT).
        var first = db.Database.InTransactionAsync(
            async (c, tx) =>
            {
                await Append(c, tx, "first");
                Database.AfterCommit(tx, () => { lock (signals) { signals.Add("first"); } });
                entered.SetResult();
                await release.Task;
            },
            default);
        await entered.Task;
        var failing = db.Database.InTransactionAsync(
            async (c, tx) =>
            {
                await Append(c, tx, "failing");
                Database.AfterCommit(tx, () => { lock (signals) { signals.Add("failing"); } });
                throw new InvalidOperationException("rule broken");
            },
            default);
        var second = db.Database.InTransactionAsync(
            async (c, tx) =>
            {
                await Append(c, tx, "second");
                Database.AfterCommit(tx, () => { lock (signals) { signals.Add("second"); } });
                return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log", transaction: tx);
            },
            default);
        release.SetResult();
        await first;
        Assert.That(async () => await failing, Throws.InvalidOperationException.With.Message.EqualTo("rule broken"));
        var seenBySecond = await second;

        await using var read = await db.Database.OpenAsync(default);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await AuditStore.RecentAsync(read, 10, default)).Select(e => e.Action).Order(), Is.EqualTo(new[] { "first", "second" }));
            Assert.That(seenBySecond, Is.EqualTo(2), "a later member sees the earlier member's write, not the undone one");
            Assert.That(signals.Order(), Is.EqualTo(new[] { "first", "second" }), "after-commit actions of committed members only");
        }
    }

    /// <summary>A unit of work that holds the SQLite write lock until <c>release</c> is completed.</summary>
    private static async Task<(Task Holder, TaskCompletionSource Release)> HoldWriteLockAsync(Database database)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = database.InTransactionAsync(
            async (c, tx) =>
            {
                entered.SetResult();
                await release.Task;
            },
            default);
        await entered.Task;
        return (holder, release);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    [Test]
    public async Task InTransaction_OtherDatabaseError_IsNotRetried()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var attempts = 0;
        Assert.That(
            async () => await db.Database.InTransactionAsync<int>((c, tx) => throw new SqliteException($"constraint {++attempts}", 19), default),
            Throws.InstanceOf<SqliteException>());
        Assert.That(attempts, Is.EqualTo(1));
    }

    [TestCase(5, true)]
    [TestCase(6, true)]
    [TestCase(19, false)]
    public void Sqlite_TransientCodes(int code, bool transient) =>
        Assert.That(DbErrors.IsTransientConflict(new SqliteException("x", code)), Is.EqualTo(transient));

    [Test]
    public async Task UniqueViolation_IsRecognisedOnSqliteAndPostgres()
    {
        await using var sqlite = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var postgres = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        using (Assert.EnterMultipleScope())
        {
            foreach (var db in new[] { sqlite, postgres })
            {
                var error = await InsertPatientTwiceAsync(db.Database);
                Assert.That(error, Is.Not.Null, $"{db.Provider}");
                Assert.That(DbErrors.IsUniqueViolation(error!), Is.True, $"{db.Provider}: {error!.Message}");
                Assert.That(DbErrors.IsTransientConflict(error!), Is.False);
            }
        }
    }

    [Test]
    public void PostgresCodes_SerializationAndDeadlockAreTransient() =>
        Assert.That(
            new[] { PostgresErrorCodes.SerializationFailure, PostgresErrorCodes.DeadlockDetected, PostgresErrorCodes.UniqueViolation }
                .Select(code => DbErrors.IsTransientConflict(new PostgresException("x", "ERROR", "ERROR", code))),
            Is.EqualTo(new[] { true, true, false }));

    private static async Task<DbException?> InsertPatientTwiceAsync(Database database)
    {
        const string Insert = "INSERT INTO patient (patient_id, updated_at) VALUES (@Id, @At)";
        await using var c = await database.OpenAsync(default);
        await c.ExecuteAsync(Insert, new { Id = "p1", At = DateTimeOffset.UnixEpoch });
        try
        {
            await c.ExecuteAsync(Insert, new { Id = "p1", At = DateTimeOffset.UnixEpoch });
            return null;
        }
        catch (DbException e)
        {
            return e;
        }
    }
}
