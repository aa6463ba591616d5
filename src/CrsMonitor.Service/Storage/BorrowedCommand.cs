using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// A command of a <see cref="StatementCachingConnection"/>: it runs on a compiled <see cref="SqliteCommand"/> of its text
/// borrowed from the connection, and gives it back when disposed. Set up as any command (Dapper sets the transaction,
/// then the text, then adds parameters, and may rewrite the text to expand a list: the parameters follow it when it runs).
/// </summary>
[SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities", Justification = "the text is the caller's, run as given")]
internal sealed class BorrowedCommand(StatementCachingConnection owner) : DbCommand
{
    private SqliteCommand? inner;
    private string text = string.Empty;
    private DbTransaction? transaction;
    private DbDataReader? reader;

    [AllowNull]
    public override string CommandText
    {
        get => text;
        set => text = value ?? string.Empty;
    }

    public override int CommandTimeout { get; set; } = owner.DefaultTimeout;

    public override CommandType CommandType { get; set; } = CommandType.Text;

    public override bool DesignTimeVisible { get; set; }

    public override UpdateRowSource UpdatedRowSource { get; set; }

    protected override DbConnection? DbConnection
    {
        get => owner;
        set
        {
            if (!ReferenceEquals(value, owner))
            {
                throw new NotSupportedException("a command of the SQLite writer's connection runs only on it");
            }
        }
    }

    protected override DbParameterCollection DbParameterCollection => Inner().Parameters;

    protected override DbTransaction? DbTransaction
    {
        get => transaction;
        set => transaction = value;
    }

    public override void Cancel() => inner?.Cancel();

    public override int ExecuteNonQuery() => Ready().ExecuteNonQuery();

    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Ready().ExecuteNonQueryAsync(cancellationToken);

    public override object? ExecuteScalar() => Ready().ExecuteScalar();

    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Ready().ExecuteScalarAsync(cancellationToken);

    public override void Prepare() => Ready().Prepare();

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => reader = Ready().ExecuteReader(behavior);

    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        reader = await Ready().ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);

    protected override DbParameter CreateDbParameter() => new SqliteParameter();

    protected override void Dispose(bool disposing)
    {
        if (disposing && inner is { } held)
        {
            reader?.Dispose(); // resets the statement; a reader still open would keep it busy
            reader = null;
            inner = null;
            owner.Return(held);
        }

        base.Dispose(disposing);
    }

    private SqliteCommand Inner() => inner ??= owner.Borrow(text);

    /// <summary>
    /// The compiled command of the text as it is now, with the parameters added so far: a text rewritten after parameters
    /// were added (Dapper expands a list, holding on to the collection it got first) moves them to a command of the new text.
    /// </summary>
    private SqliteCommand Ready()
    {
        if (inner is { } held && !string.Equals(held.CommandText, text, StringComparison.Ordinal))
        {
            var parameters = held.Parameters.Cast<SqliteParameter>().ToList();
            held.Parameters.Clear();
            owner.Return(held);
            inner = owner.Borrow(text);
            inner.Parameters.AddRange(parameters);
        }

        var command = Inner();
        owner.BindNames(command);
        owner.Count.Add(command.CommandText);
        command.Transaction = (SqliteTransaction?)transaction;
        command.CommandTimeout = CommandTimeout;
        command.CommandType = CommandType;
        return command;
    }
}
