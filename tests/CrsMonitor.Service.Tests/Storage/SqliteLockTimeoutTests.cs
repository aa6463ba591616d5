using System.Diagnostics;
using CrsMonitor.Service.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// A "frozen" SQLite database is one whose write lock is not given up: held by another process, or by a unit of work of
/// this one that does not end. Writers then give up after <c>Storage:CommandTimeoutSeconds</c> (answered 503 by the
/// service) instead of queueing for as long as it lasts.
/// </summary>
public sealed class SqliteLockTimeoutTests
{
    private static readonly DatabaseTimeouts OneSecond = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    [Test]
    public async Task QueuedWriter_WhoseTurnComesAfterTheCommandTimeout_GivesUpWithoutRunning_AndTheQueueGoesOn()
    {
        await using var file = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var time = new FakeTimeProvider(ServiceHost.Start);
        await using var database = new Database(StorageProvider.Sqlite, file.ConnectionString, OneSecond with { Command = TimeSpan.FromSeconds(10) }, time);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = database.InTransactionAsync(async (c, tx) => { entered.SetResult(); await release.Task; }, default);
        await entered.Task;
        var ran = false;
        var late = database.InTransactionAsync((c, tx) => Task.FromResult(ran = true), default);
        time.Advance(TimeSpan.FromSeconds(11));
        release.SetResult();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(async () => await holder, Throws.Nothing);
            var error = await Assert.CatchAsync(async () => await late);
            Assert.That(error, Is.InstanceOf<TimeoutException>());
            Assert.That(DbErrors.IsDatabaseFailure(error!), Is.True, "answered 503 + Retry-After by the service");
            Assert.That(ran, Is.False, "a writer that gave up never runs");
            Assert.That(await database.InTransactionAsync((c, tx) => Task.FromResult(3), default), Is.EqualTo(3));
        }
    }

    [Test]
    public async Task Writer_WhileAnotherProcessHoldsTheWriteLock_GivesUpWithinSeconds_NotAfterEveryRetry()
    {
        await using var file = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var database = new Database(StorageProvider.Sqlite, file.ConnectionString, OneSecond);
        await using var other = new SqliteConnection(file.ConnectionString);
        await other.OpenAsync();
        await using var holding = await other.BeginTransactionAsync(); // BEGIN IMMEDIATE: the write lock, until disposed

        var clock = Stopwatch.StartNew();
        var error = await Assert.CatchAsync(async () => await database.InTransactionAsync((c, tx) => Task.FromResult(1), default));
        var took = clock.Elapsed;
        await TestContext.Out.WriteLineAsync($"gave up after {took.TotalSeconds:0.0} s");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(DbErrors.IsDatabaseFailure(error!), Is.True, error!.ToString());
            Assert.That(took, Is.LessThan(TimeSpan.FromSeconds(9)), "one busy wait (SQLite's 5 s busy timeout), not five attempts of 30 s");
        }
    }
}
