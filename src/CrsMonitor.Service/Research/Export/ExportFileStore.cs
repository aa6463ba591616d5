using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// <c>research_export_file</c>: the NDJSON files of completed exports, in the database so that any node of a cluster
/// serves them. Written in the transaction that marks their export completed; deleted with it.
/// </summary>
public static class ExportFileStore
{
    [Sql]
    private const string Insert = """
        INSERT INTO research_export_file (export_id, name, resource_type, line_count, content)
        VALUES (@ExportId, @Name, @ResourceType, @LineCount, @Content)
        """;

    [Sql]
    private const string List = """
        SELECT name AS Name, resource_type AS ResourceType, line_count AS LineCount
        FROM research_export_file WHERE export_id = @ExportId
        """;

    [Sql]
    private const string Read = "SELECT content FROM research_export_file WHERE export_id = @ExportId AND name = @Name";

    [Sql]
    private const string Delete = "DELETE FROM research_export_file WHERE export_id = @ExportId";

    public static Task InsertAsync(DbConnection c, DbTransaction tx, string exportId, NamedExportFile file, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(file);
        return c.ExecuteAsync(Dialect.Command(c, tx, Insert, new
        {
            ExportId = exportId, file.Name, file.ResourceType, file.LineCount, file.Content,
        }, ct));
    }

    /// <summary>The files of an export (in no particular order).</summary>
    public static async Task<IReadOnlyList<StoredExportFile>> ListAsync(DbConnection c, string exportId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var rows = await c.QueryAsync<Row>(Dialect.Command(c, null, List, new { ExportId = exportId }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => new StoredExportFile(r.Name, r.ResourceType, r.LineCount))];
    }

    /// <summary>A file's text, or null when the export has no file of that name.</summary>
    public static Task<string?> ReadAsync(DbConnection c, string exportId, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.QuerySingleOrDefaultAsync<string?>(Dialect.Command(c, null, Read, new { ExportId = exportId, Name = name }, ct));
    }

    public static Task DeleteAsync(DbConnection c, DbTransaction tx, string exportId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.ExecuteAsync(Dialect.Command(c, tx, Delete, new { ExportId = exportId }, ct));
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class Row
    {
        public string Name { get; set; } = string.Empty;
        public string ResourceType { get; set; } = string.Empty;
        public int LineCount { get; set; }
    }
}
