using CrsMonitor.Service.Storage;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// A fresh, empty database of one provider for one test: SQLite a file in a temporary folder, PostgreSQL a new
/// database on <see cref="PostgresServer"/>, SQL Server a new database on the server named by the environment variable
/// <see cref="SqlServerVariable"/> (without it, the test is reported Ignored with that reason). Dispose drops it.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string SqlServerVariable = "CRSMONITOR_TEST_SQLSERVER";

    private readonly Func<Task> drop;

    private TestDatabase(StorageProvider provider, string connectionString, Func<Task> drop)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Database = new Database(provider, connectionString);
        this.drop = drop;
    }

    public StorageProvider Provider { get; }

    public string ConnectionString { get; }

    public Database Database { get; }

    /// <summary>Settings that point a <see cref="ServiceHost"/> at this database.</summary>
    public Dictionary<string, string?> HostSettings => new()
    {
        ["Storage:Provider"] = Provider.ToString(),
        ["Storage:ConnectionString"] = ConnectionString,
    };

    /// <summary>A new database, migrated unless <paramref name="migrate"/> is false.</summary>
    public static async Task<TestDatabase> CreateAsync(StorageProvider provider, bool migrate = true)
    {
        var database = provider switch
        {
            StorageProvider.Postgres => await PostgresAsync(),
            StorageProvider.SqlServer => await SqlServerAsync(),
            _ => Sqlite(),
        };
        if (migrate)
        {
            Migrations.Run(provider, database.ConnectionString, NullLogger.Instance);
        }

        return database;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await drop();
    }

    private static TestDatabase Sqlite()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"crsmonitor-sqlite-{Guid.NewGuid():N}")).FullName;
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "test.db") }.ConnectionString;
        return new TestDatabase(StorageProvider.Sqlite, connectionString, () =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
            return Task.CompletedTask;
        });
    }

    private static async Task<TestDatabase> PostgresAsync()
    {
        var server = await PostgresServer.StartedAsync();
        var name = await server.CreateDatabaseAsync();
        return new TestDatabase(StorageProvider.Postgres, server.ConnectionStringFor(name), () => server.DropDatabaseAsync(name));
    }

    private static async Task<TestDatabase> SqlServerAsync()
    {
        var server = Environment.GetEnvironmentVariable(SqlServerVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            Assert.Ignore($"{SqlServerVariable} not set: live SQL Server tests not run");
        }

        var name = $"crsmonitor_test_{Guid.NewGuid():N}";
        var master = new SqlConnectionStringBuilder(server) { InitialCatalog = "master" }.ConnectionString;
        await ExecuteAsync(master, $"CREATE DATABASE [{name}]");
        var connectionString = new SqlConnectionStringBuilder(server) { InitialCatalog = name }.ConnectionString;
        return new TestDatabase(StorageProvider.SqlServer, connectionString, async () =>
        {
            SqlConnection.ClearAllPools();
            await ExecuteAsync(master, $"ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{name}]");
        });
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new SqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
