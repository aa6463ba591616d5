using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// Which database errors are "unavailable, retry" (503) and which are not (issue 10): a PostgreSQL data exception
/// (22021, the U+0000 PostgreSQL text refuses) or a constraint violation (23505) would fail on every retry, so it must
/// never be answered 503-retry-forever; a server that cannot be reached or a database file that cannot be opened is.
/// Each error is provoked for real on the provider.
/// </summary>
public sealed class DbErrorsTests
{
    private const string NulText = "SELECT CAST(@Text AS text)";
    private const string CreateTable = "CREATE TABLE once_only (id integer PRIMARY KEY)";
    private const string InsertOne = "INSERT INTO once_only (id) VALUES (1)";
    private const string SelectOne = "SELECT 1";

    [Test]
    public async Task PostgresNulInText_IsADataException_NotUnavailability()
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Postgres, migrate: false);
        await using var connection = await database.Database.OpenAsync(CancellationToken.None);
        var e = await FailureOfAsync(() => connection.ExecuteScalarAsync<string>(NulText, new { Text = "a\0b" }));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(e, Is.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.SqlState)).StartsWith("22"));
            Assert.That(DbErrors.IsUnavailable(e), Is.False);
        }
    }

    [TestCase(StorageProvider.Postgres)]
    [TestCase(StorageProvider.Sqlite)]
    public async Task UniqueViolation_IsNotUnavailability(StorageProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        await using var connection = await database.Database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(CreateTable);
        await connection.ExecuteAsync(InsertOne);
        var e = await FailureOfAsync(() => connection.ExecuteAsync(InsertOne));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(DbErrors.IsUniqueViolation(e), Is.True);
            Assert.That(DbErrors.IsUnavailable(e), Is.False);
        }
    }

    [Test]
    public async Task PostgresServerNotListening_IsUnavailable()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=x;Password=x;Timeout=5");
        var e = await FailureOfAsync(connection.OpenAsync);
        Assert.That(DbErrors.IsUnavailable(e), Is.True, e.ToString());
    }

    [Test]
    public async Task SqliteFileThatCannotBeOpened_IsUnavailable()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"crsmonitor-missing-{Guid.NewGuid():N}", "none.db");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = missing, Mode = SqliteOpenMode.ReadWrite }.ConnectionString);
        var e = await FailureOfAsync(async () =>
        {
            await connection.OpenAsync();
            await connection.ExecuteScalarAsync<int>(SelectOne);
        });
        Assert.That(DbErrors.IsUnavailable(e), Is.True, e.ToString());
    }

    private static async Task<Exception> FailureOfAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (DbException e)
        {
            return e;
        }

        Assert.Fail("expected a database error");
        throw new InvalidOperationException("unreachable");
    }
}
