namespace CrsMonitor.Service.Storage;

/// <summary>
/// How many statements the SQLite writer has run (<see cref="Database.WriterStatements"/>), over all its connections:
/// what a write costs in statements, counted rather than estimated from the code; and how many commands carried them
/// (a batch such as <see cref="Assessment.PatientSnapshot"/> is one command: one round trip on a server database).
/// </summary>
public sealed class StatementCount
{
    private long value;
    private long commands;

    public long Value => Interlocked.Read(ref value);

    /// <summary>How many commands ran: what a server database would answer as round trips.</summary>
    public long Commands => Interlocked.Read(ref commands);

    /// <summary>Counts one command of <paramref name="text"/>: as many statements as it holds (no statement constant holds a <c>;</c>).</summary>
    public void Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var separators = text.AsSpan().TrimEnd().TrimEnd(';').Count(';');
        Interlocked.Add(ref value, separators + 1);
        Interlocked.Increment(ref commands);
    }
}
