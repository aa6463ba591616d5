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

    /// <summary>
    /// The writer's own: a page cache of 64 MiB (SQLite's default is 2 MiB) and savepoint journals in memory. The one
    /// writer connection lives from group to group and no other connection writes, so its cache stays valid; with the
    /// default, a group re-read from the file most of the index pages the last one had just written (measured: Bundles of
    /// 100 +27-35 %, single POSTs +2-9 %). The cache grows only as pages are read.
    /// </summary>
    [Sql(StorageProvider.Sqlite)]
    private const string SqliteWriterPragmas = SqlitePragmas + " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;";

    // A unique violation must end only its statement (the resend guard catches it and carries on): a server-wide
    // XACT_ABORT ON would doom the whole transaction instead.
    [Sql(StorageProvider.SqlServer)]
    private const string SqlServerSession = "SET XACT_ABORT OFF;";

    /// <summary>The transaction <see cref="InTransactionAsync{T}"/> opened on a connection, for store calls given none.</summary>
    private static readonly ConditionalWeakTable<DbConnection, DbTransaction> Ambient = [];
    private static readonly ConditionalWeakTable<DbTransaction, List<Action>> AfterCommitActions = [];

    private readonly NpgsqlDataSource? postgres;

    /// <summary>PostgreSQL: one connection of its own for the readiness probe, with the probe's short timeouts.</summary>
    private readonly NpgsqlDataSource? probes;

    /// <summary>The connection string with <see cref="Timeouts"/> applied; and with the probe's.</summary>
    private readonly string effective;
    private readonly string probe;
    private readonly TimeProvider time;

    /// <summary>PostgreSQL: a small pool of its own for <see cref="OpenReservedAsync"/>.</summary>
    private readonly NpgsqlDataSource? reserved;

    /// <summary>Connections of the reserved pool (PostgreSQL): the alert feed, the escalation worker and hub replays.</summary>
    public const int ReservedPoolSize = 4;

    /// <summary>
    /// SQLite allows one writer: this process's units of work queue for it here and are committed in groups
    /// (<see cref="SqliteWriteQueue"/>). Without it, every waiting unit of work slept inside SQLite's busy handler on a
    /// thread-pool thread (measured: 77 % of a loaded write's time), and each paid its own fsync. SQLite's busy handler is
    /// left for other connections to the file (Quartz, the CLI verbs).
    /// </summary>
    private readonly SqliteWriteQueue? sqliteWriter;

    private readonly StatementCount writerStatements = new();

    private volatile bool disposed;

    static Database() => DbTypes.EnsureRegistered();

    /// <param name="provider">Which database.</param>
    /// <param name="connectionString">As configured (may hold a password: never log it).</param>
    /// <param name="timeouts">Statement, connection and probe timeouts (default: those of <see cref="StorageSettings"/>); they replace any the connection string sets.</param>
    /// <param name="time">
    /// The clock of the SQLite write queue's deadline and of the retry budget: real time by default, as the drivers' own
    /// timeouts are (these bound waits for I/O, not clinical time; a test's fake clock would otherwise expire them).
    /// </param>
    public Database(StorageProvider provider, string connectionString, DatabaseTimeouts? timeouts = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Provider = provider;
        ConnectionString = connectionString;
        Timeouts = timeouts ?? DatabaseTimeouts.Default;
        this.time = time ?? TimeProvider.System;
        effective = WithTimeouts(provider, connectionString, Timeouts.Command, Timeouts.Connect);
        probe = WithTimeouts(provider, connectionString, Timeouts.Probe, Timeouts.Probe);
        postgres = provider == StorageProvider.Postgres ? NpgsqlDataSource.Create(WithAutoPrepare(effective)) : null;
        reserved = provider == StorageProvider.Postgres
            ? NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(effective) { MaxPoolSize = ReservedPoolSize, MinPoolSize = 0 }.ConnectionString)
            : null;
        probes = provider == StorageProvider.Postgres
            ? NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(probe) { MaxPoolSize = 1, MinPoolSize = 0 }.ConnectionString)
            : null;
        sqliteWriter = provider == StorageProvider.Sqlite ? new SqliteWriteQueue(OpenWriterAsync, Bind, Timeouts.Command, this.time) : null;
    }

    /// <summary>
    /// SQLite: the last writer could not get the write lock within <see cref="DatabaseTimeouts.Command"/> (another process
    /// holds it, or a unit of work never ends) and nothing has committed since. Always false on the other providers, whose
    /// probe itself fails when the server does not answer.
    /// </summary>
    public bool WritesBlocked => sqliteWriter?.Blocked ?? false;

    /// <summary>SQLite: units of work waiting for the write lock now (metrics); 0 on the other providers.</summary>
    public int WritersWaiting => sqliteWriter?.Waiting ?? 0;

    /// <summary>How long this database waits for a statement, a connection and the readiness probe.</summary>
    public DatabaseTimeouts Timeouts { get; }

    public StorageProvider Provider { get; }

    /// <summary>The connection string (it may hold a password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>An open connection (SQLite: pragmas applied). The caller disposes it.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct) => Provider switch
    {
        StorageProvider.Postgres => await postgres!.OpenConnectionAsync(ct).ConfigureAwait(false),
        StorageProvider.SqlServer => await OpenAsync(new SqlConnection(effective), SqlServerSession, ct).ConfigureAwait(false),
        _ => await OpenAsync(NewSqlite(effective), SqlitePragmas, ct).ConfigureAwait(false),
    };

    /// <summary>
    /// SQLite: how many statements the write queue's connections have run (0 on the other providers). A write's cost in
    /// statements is the difference across it.
    /// </summary>
    public long WriterStatements => writerStatements.Value;

    /// <summary>SQLite: how many commands carried those statements (a batch is one): a write's round trips on a server database.</summary>
    public long WriterCommands => writerStatements.Commands;

    /// <summary>SQLite: the write queue's own connection, which keeps the statements it compiles (<see cref="StatementCachingConnection"/>).</summary>
    private async Task<DbConnection> OpenWriterAsync(CancellationToken ct) =>
        await OpenAsync(new StatementCachingConnection(effective, writerStatements), SqliteWriterPragmas, ct).ConfigureAwait(false);

    /// <summary>
    /// An open connection for the readiness probe, whose opening and statements give up after <see cref="DatabaseTimeouts.Probe"/>
    /// (PostgreSQL: from a pool of one of its own, so a main pool held by a frozen server's requests does not hold the probe
    /// too). The caller disposes it.
    /// </summary>
    public async Task<DbConnection> OpenProbeAsync(CancellationToken ct) => Provider switch
    {
        StorageProvider.Postgres => await probes!.OpenConnectionAsync(ct).ConfigureAwait(false),
        StorageProvider.SqlServer => await OpenAsync(new SqlConnection(probe), SqlServerSession, ct).ConfigureAwait(false),
        _ => await OpenAsync(NewSqlite(probe), SqlitePragmas, ct).ConfigureAwait(false),
    };

    /// <summary>
    /// An open connection for delivering alerts (the alert feed's reads, hub replays, the escalation worker), never queued
    /// behind requests: on PostgreSQL it comes from a small pool of its own (under a flood of writes every connection of the
    /// main pool can be held by a request waiting for a patient's lock, and the measured push then waited ~1 s for one).
    /// SQLite and SQL Server: as <see cref="OpenAsync(CancellationToken)"/> (SQLite readers never wait for the writer; SqlClient's pool is not
    /// the limit measured). The caller disposes it.
    /// </summary>
    public async Task<DbConnection> OpenReservedAsync(CancellationToken ct) =>
        reserved is not null ? await reserved.OpenConnectionAsync(ct).ConfigureAwait(false) : await OpenAsync(ct).ConfigureAwait(false);

    /// <summary>
    /// PostgreSQL: a connection of its own, outside every pool, for LISTEN (it stays open for the life of the node). TCP
    /// keepalive every 10 s, so a server that went away is noticed without a statement. The caller disposes it.
    /// </summary>
    public async Task<NpgsqlConnection> OpenListenerAsync(CancellationToken ct)
    {
        if (Provider != StorageProvider.Postgres)
        {
            throw new InvalidOperationException("Only PostgreSQL has notifications to listen to.");
        }

        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(effective) { Pooling = false, KeepAlive = 10 }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and returns its result after COMMIT. A transient conflict
    /// (<see cref="DbErrors.IsTransientConflict"/>) rolls back and runs it again, at most <see cref="MaxAttempts"/>
    /// times in all and only within <see cref="DatabaseTimeouts.Command"/> of the first (a database locked or frozen for longer
    /// is unavailable, not conflicting), so <paramref name="work"/> must be idempotent and must not keep state across attempts. On SQLite
    /// the transaction may be shared with other units of work committed together (<see cref="SqliteWriteQueue"/>):
    /// <paramref name="work"/> runs inside its own SAVEPOINT, alone, and sees what earlier members wrote, as it would
    /// had they committed just before it.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return sqliteWriter is not null
                    ? await sqliteWriter.RunAsync(work, started, ct).ConfigureAwait(false)
                    : await RunAloneAsync(work, ct).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is GroupRolledBackException || (e is DbException d && DbErrors.IsTransientConflict(d)))
                && attempt < MaxAttempts && time.GetElapsedTime(started) < Timeouts.Command)
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

    /// <summary>
    /// SQLite: a new connection, refused once this database is disposed. Opening one creates the <c>-wal</c> and
    /// <c>-shm</c> files again, so work left running after shutdown would write beside a database being removed or moved.
    /// </summary>
    private SqliteConnection NewSqlite(string connectionString)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return new SqliteConnection(connectionString);
    }

    public void Dispose()
    {
        disposed = true;
        postgres?.Dispose();
        reserved?.Dispose();
        probes?.Dispose();
        sqliteWriter?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        disposed = true;
        if (postgres is not null)
        {
            await postgres.DisposeAsync().ConfigureAwait(false);
        }

        if (reserved is not null)
        {
            await reserved.DisposeAsync().ConfigureAwait(false);
        }

        if (probes is not null)
        {
            await probes.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>
    /// <paramref name="connectionString"/> with its statement and connection timeouts set. PostgreSQL: <c>Command Timeout</c>,
    /// <c>Timeout</c> (opening, and waiting for a pooled connection) and a 1 s <c>Cancellation Timeout</c> (after a statement
    /// times out Npgsql asks the server to cancel it; a frozen server never answers). SQL Server: <c>Command Timeout</c> and
    /// <c>Connect Timeout</c>. SQLite: <c>Default Timeout</c> (Microsoft.Data.Sqlite retries a busy database until it passes).
    /// </summary>
    public static string WithTimeouts(StorageProvider provider, string connectionString, TimeSpan command, TimeSpan connect)
    {
        var commandSeconds = (int)Math.Ceiling(command.TotalSeconds);
        var connectSeconds = (int)Math.Ceiling(connect.TotalSeconds);
        return provider switch
        {
            StorageProvider.Postgres => new NpgsqlConnectionStringBuilder(connectionString)
            {
                CommandTimeout = commandSeconds, Timeout = connectSeconds, CancellationTimeout = 1000,
            }.ConnectionString,
            StorageProvider.SqlServer => new SqlConnectionStringBuilder(connectionString)
            {
                CommandTimeout = commandSeconds, ConnectTimeout = connectSeconds,
            }.ConnectionString,
            _ => new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = commandSeconds }.ConnectionString,
        };
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
