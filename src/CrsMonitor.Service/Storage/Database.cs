using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// The configured database (singleton; registered by <see cref="StorageRegistration.AddStorage"/>): opens
/// connections and runs units of work in one transaction. SQLite connections get WAL, a 5 s busy timeout and
/// foreign keys on every open; SQLite transactions begin IMMEDIATE (the write lock is taken up front), and this
/// process's own SQLite writers queue for it on an async lock first (see <see cref="InTransactionAsync{T}"/>). SQL
/// Server connections get XACT_ABORT OFF.
/// </summary>
public sealed class Database : IAsyncDisposable, IDisposable
{
    /// <summary>How often <see cref="InTransactionAsync{T}"/> runs a unit of work that keeps meeting transient conflicts.</summary>
    public const int MaxAttempts = 5;

    [Sql(StorageProvider.Sqlite)]
    private const string SqlitePragmas = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

    // A unique violation must end only its statement (the resend guard catches it and carries on): a server-wide
    // XACT_ABORT ON would doom the whole transaction instead.
    [Sql(StorageProvider.SqlServer)]
    private const string SqlServerSession = "SET XACT_ABORT OFF;";

    /// <summary>The transaction <see cref="InTransactionAsync{T}"/> opened on a connection, for store calls given none.</summary>
    private static readonly ConditionalWeakTable<DbConnection, DbTransaction> Ambient = [];
    private static readonly ConditionalWeakTable<DbTransaction, List<Action>> AfterCommitActions = [];

    private readonly NpgsqlDataSource? postgres;

    /// <summary>PostgreSQL: a small pool of its own for <see cref="OpenReservedAsync"/>.</summary>
    private readonly NpgsqlDataSource? reserved;

    /// <summary>Connections of the reserved pool (PostgreSQL): the pusher, the escalation worker and hub replays.</summary>
    public const int ReservedPoolSize = 4;

    /// <summary>
    /// SQLite allows one writer: this process's units of work queue for it here and are committed in groups
    /// (<see cref="SqliteWriteQueue"/>). Without it, every waiting unit of work slept inside SQLite's busy handler on a
    /// thread-pool thread (measured: 77 % of a loaded write's time), and each paid its own fsync. SQLite's busy handler is
    /// left for other connections to the file (Quartz, the CLI verbs).
    /// </summary>
    private readonly SqliteWriteQueue? sqliteWriter;

    static Database() => DbTypes.EnsureRegistered();

    public Database(StorageProvider provider, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Provider = provider;
        ConnectionString = connectionString;
        postgres = provider == StorageProvider.Postgres ? NpgsqlDataSource.Create(WithAutoPrepare(connectionString)) : null;
        reserved = provider == StorageProvider.Postgres
            ? NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = ReservedPoolSize, MinPoolSize = 0 }.ConnectionString)
            : null;
        sqliteWriter = provider == StorageProvider.Sqlite ? new SqliteWriteQueue(OpenAsync, Bind) : null;
    }

    public StorageProvider Provider { get; }

    /// <summary>The connection string (it may hold a password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>An open connection (SQLite: pragmas applied). The caller disposes it.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct) => Provider switch
    {
        StorageProvider.Postgres => await postgres!.OpenConnectionAsync(ct).ConfigureAwait(false),
        StorageProvider.SqlServer => await OpenAsync(new SqlConnection(ConnectionString), SqlServerSession, ct).ConfigureAwait(false),
        _ => await OpenAsync(new SqliteConnection(ConnectionString), SqlitePragmas, ct).ConfigureAwait(false),
    };

    /// <summary>
    /// An open connection for delivering alerts (the pusher's reads, hub replays, the escalation worker), never queued
    /// behind requests: on PostgreSQL it comes from a small pool of its own (under a flood of writes every connection of the
    /// main pool can be held by a request waiting for a patient's lock, and the measured push then waited ~1 s for one).
    /// SQLite and SQL Server: as <see cref="OpenAsync(CancellationToken)"/> (SQLite readers never wait for the writer; SqlClient's pool is not
    /// the limit measured). The caller disposes it.
    /// </summary>
    public async Task<DbConnection> OpenReservedAsync(CancellationToken ct) =>
        reserved is not null ? await reserved.OpenConnectionAsync(ct).ConfigureAwait(false) : await OpenAsync(ct).ConfigureAwait(false);

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and returns its result after COMMIT. A transient conflict
    /// (<see cref="DbErrors.IsTransientConflict"/>) rolls back and runs it again, at most <see cref="MaxAttempts"/>
    /// times in all, so <paramref name="work"/> must be idempotent and must not keep state across attempts. On SQLite
    /// the transaction may be shared with other units of work committed together (<see cref="SqliteWriteQueue"/>):
    /// <paramref name="work"/> runs inside its own SAVEPOINT, alone, and sees what earlier members wrote, as it would
    /// had they committed just before it.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return sqliteWriter is not null
                    ? await sqliteWriter.RunAsync(work, ct).ConfigureAwait(false)
                    : await RunAloneAsync(work, ct).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is GroupRolledBackException || (e is DbException d && DbErrors.IsTransientConflict(d))) && attempt < MaxAttempts)
            {
                // Rolled back; the next attempt starts on a fresh connection.
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> once <paramref name="transaction"/> (opened by <see cref="InTransactionAsync{T}"/>)
    /// has committed, and never if it rolls back (a retried attempt registers its own). For signals that must not run
    /// ahead of the data they announce (a SignalR push, a Quartz wake-up); they must be quick and must not throw.
    /// </summary>
    public static void AfterCommit(DbTransaction transaction, Action action)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(action);
        if (AfterCommitActions.TryGetValue(transaction, out var actions))
        {
            actions.Add(action);
        }
        else
        {
            action(); // not one of ours (a test's own transaction): nothing to wait for
        }
    }

    /// <summary><see cref="InTransactionAsync{T}"/> for work without a result.</summary>
    public Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        return InTransactionAsync(
            async (c, tx) =>
            {
                await work(c, tx).ConfigureAwait(false);
                return true;
            },
            ct);
    }

    /// <summary>One unit of work in a transaction of its own (PostgreSQL, SQL Server: concurrent writers).</summary>
    private async Task<T> RunAloneAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var committed = new List<Action>();
        Bind(connection, transaction, committed);
        try
        {
            var result = await work(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            foreach (var action in committed)
            {
                action();
            }

            return result;
        }
        finally
        {
            Bind(connection, transaction, null);
        }
    }

    /// <summary>
    /// Makes <paramref name="transaction"/> the ambient one of <paramref name="connection"/> and collects the after-commit
    /// actions registered on it in <paramref name="afterCommit"/>; null forgets both.
    /// </summary>
    private static void Bind(DbConnection connection, DbTransaction transaction, List<Action>? afterCommit)
    {
        if (afterCommit is null)
        {
            Ambient.Remove(connection);
            AfterCommitActions.Remove(transaction);
            return;
        }

        Ambient.AddOrUpdate(connection, transaction);
        AfterCommitActions.AddOrUpdate(transaction, afterCommit);
    }

    /// <summary>
    /// The transaction to run a statement in: the one given, else the one <see cref="InTransactionAsync{T}"/> has open
    /// on this connection (SQLite and SQL Server refuse a command without it while a transaction is open).
    /// </summary>
    public static DbTransaction? TransactionFor(DbConnection connection, DbTransaction? transaction) =>
        transaction ?? (Ambient.TryGetValue(connection, out var open) ? open : null);

    public void Dispose()
    {
        postgres?.Dispose();
        reserved?.Dispose();
        sqliteWriter?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (postgres is not null)
        {
            await postgres.DisposeAsync().ConfigureAwait(false);
        }

        if (reserved is not null)
        {
            await reserved.DisposeAsync().ConfigureAwait(false);
        }

        sqliteWriter?.Dispose();
    }

    /// <summary>
    /// The main PostgreSQL pool's connection string: Npgsql prepares the statements a write repeats (each write runs the
    /// same twenty-odd statements) after two uses, up to 100, unless the connection string sets <c>Max Auto Prepare</c>.
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Keys.Cast<string>().Any(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            builder.MaxAutoPrepare = 100;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder.ConnectionString;
    }

    /// <summary>Opens <paramref name="connection"/> and runs the session setup; disposes it if either fails.</summary>
    private static async Task<DbConnection> OpenAsync(DbConnection connection, string setup, CancellationToken ct)
    {
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = setup;
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
