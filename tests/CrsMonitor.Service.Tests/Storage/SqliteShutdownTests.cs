using CrsMonitor.Service.Storage;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// Shutting the embedded database down: the unit of work running ends and is committed first, and nothing opens the
/// file afterwards (a connection opened late creates the <c>-wal</c> and <c>-shm</c> files again beside a database
/// IT is moving or removing; a test's folder once failed to delete that way).
/// </summary>
public sealed class SqliteShutdownTests
{
    [Test]
    public async Task Dispose_WhileAUnitOfWorkRuns_WaitsForIt_AndCommitsWhatItWrote()
    {
        await using var file = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: false);
        var database = new Database(StorageProvider.Sqlite, file.ConnectionString);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var unit = database.InTransactionAsync(
            async (c, tx) =>
            {
                await ExecuteAsync(c, tx, "CREATE TABLE shutdown_probe (x INTEGER NOT NULL); INSERT INTO shutdown_probe (x) VALUES (7);");
                entered.SetResult();
                await release.Task;
                return 1;
            },
            default);
        await entered.Task;

        var disposing = Task.Run(database.Dispose);
        var early = await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromMilliseconds(200)));
        release.SetResult();
        await disposing;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(early, Is.Not.SameAs(disposing), "Dispose returned while a unit of work still held the writer");
            Assert.That(await unit, Is.EqualTo(1));
            await using var reader = new SqliteConnection(file.ConnectionString);
            await reader.OpenAsync();
            await using var count = reader.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM shutdown_probe WHERE x = 7";
            Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L), "the running unit's write was committed, not cut off");
        }
    }

    [Test]
    public async Task AfterDispose_NoUnitOfWorkRuns_AndNoConnectionOpens_SoNoFileAppearsBesideTheDatabase()
    {
        await using var file = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var folder = Path.GetDirectoryName(new SqliteConnectionStringBuilder(file.ConnectionString).DataSource)!;
        var database = new Database(StorageProvider.Sqlite, file.ConnectionString);
        Assert.That(await database.InTransactionAsync((c, tx) => Task.FromResult(2), default), Is.EqualTo(2));
        await database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        var before = Directory.GetFiles(folder).Order().ToArray();

        var ran = false;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(async () => await database.InTransactionAsync((c, tx) => Task.FromResult(ran = true), default), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(async () => await database.OpenAsync(default), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(async () => await database.OpenProbeAsync(default), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(ran, Is.False);
            Assert.That(Directory.GetFiles(folder).Order().ToArray(), Is.EqualTo(before), "files of the folder after the refused work");
        }
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string sql)
    {
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
