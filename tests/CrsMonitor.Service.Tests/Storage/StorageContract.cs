using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// Base of the store contract tests: every derived fixture runs once per provider ([TestFixture(provider)] on each),
/// each test on a fresh, migrated database.
/// </summary>
public abstract class StorageContract(StorageProvider provider)
{
    protected static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private TestDatabase? db;

    protected StorageProvider Provider => provider;

    protected Database Database => db!.Database;

    [SetUp]
    public async Task CreateDatabase() => db = await TestDatabase.CreateAsync(provider);

    [TearDown]
    public async Task DropDatabase()
    {
        if (db is not null)
        {
            await db.DisposeAsync();
            db = null;
        }
    }

    protected Task<T> InTransaction<T>(Func<DbConnection, DbTransaction, Task<T>> work) =>
        Database.InTransactionAsync(work, CancellationToken.None);

    protected async Task<T> WithConnection<T>(Func<DbConnection, Task<T>> work)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return await work(connection);
    }

    /// <summary>Runs a scalar query (a test's own SQL) on a new connection.</summary>
    protected Task<long> ScalarAsync(string sql, object? args = null) =>
        WithConnection(c => c.ExecuteScalarAsync<long>(sql, args));
}
