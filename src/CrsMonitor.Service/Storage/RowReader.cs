using System.Data.Common;
using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Rows read by hand (where Dapper's mapper costs too much), with the command disposed. Dapper's
/// <c>ExecuteReaderAsync</c> hands back a reader that disposes its command on <c>Dispose</c> but not on
/// <c>DisposeAsync</c> (Dapper 2.1.86; read that way, <c>StatementCacheTests.ReadingsReadByHand...</c> fails): every such read left a command for the
/// finalizer, which on SQLite then finalised its statement on the connection's mutex, under load about one core's worth.
/// </summary>
internal static class RowReader
{
    /// <summary>Runs <paramref name="command"/> and calls <paramref name="row"/> for each row until it returns false.</summary>
    public static async Task ForEachAsync(DbConnection c, CommandDefinition command, Func<DbDataReader, bool> row, CancellationToken ct)
    {
#pragma warning disable RS0030 // the one place it is called, disposed synchronously (BannedSymbols.txt)
        var reader = await c.ExecuteReaderAsync(command).ConfigureAwait(false);
#pragma warning restore RS0030
        using (reader)
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false) && row(reader))
            {
            }
        }
    }

    /// <summary>Every row of <paramref name="command"/>, each made by <paramref name="row"/>.</summary>
    public static async Task<List<T>> ListAsync<T>(DbConnection c, CommandDefinition command, Func<DbDataReader, T> row, CancellationToken ct)
    {
        var rows = new List<T>();
        await ForEachAsync(c, command, r =>
        {
            rows.Add(row(r));
            return true;
        }, ct).ConfigureAwait(false);
        return rows;
    }
}
