namespace CrsMonitor.Service.Storage;

/// <summary>
/// How many statements the SQLite writer has run (<see cref="Database.WriterStatements"/>), over all its connections:
/// what a write costs in statements, counted rather than estimated from the code.
/// </summary>
public sealed class StatementCount
{
    private long value;

    public long Value => Interlocked.Read(ref value);

    public void Add() => Interlocked.Increment(ref value);
}
