using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// The SQLite writer's connection: it keeps each statement it has compiled, so a write's statements (21 for an
/// Observation POST) are compiled once per connection instead of once per write. Microsoft.Data.Sqlite keeps a compiled statement only as long
/// as its <see cref="SqliteCommand"/> lives (dotnet/efcore#14044), and Dapper makes a new command for every call; measured
/// under load, compiling was 28 % of the writer's time. Commands made through <see cref="DbConnection.CreateCommand"/>
/// (Dapper's way) borrow an idle compiled command of the same text and give it back when disposed; the connection's
/// own <see cref="SqliteConnection.CreateCommand"/> is untouched. Closing the connection finalises them all.
/// </summary>
public sealed class StatementCachingConnection(string connectionString, StatementCount? count = null) : SqliteConnection(connectionString)
{
    /// <summary>
    /// Distinct statement texts kept; a text first met when the cache is full is compiled for each use, as without the
    /// cache (the service's statements are fewer; Dapper's expanded IN-lists vary with the list's length).
    /// </summary>
    public const int Capacity = 256;

    private readonly Dictionary<string, Stack<SqliteCommand>> idle = new(StringComparer.Ordinal);

    /// <summary>Per compiled command (its text never changes), each parameter name Dapper gave and the name it binds by.</summary>
    private readonly ConditionalWeakTable<SqliteCommand, Dictionary<string, string>> names = [];

    /// <summary>How many statements were compiled on this connection (a test's measure of reuse).</summary>
    public int Compiled { get; private set; }

    /// <summary>Counts each statement run through <see cref="DbConnection.CreateCommand"/> (shared by the writer's connections).</summary>
    public StatementCount Count { get; } = count ?? new StatementCount();

    /// <summary>An idle compiled command of <paramref name="text"/> (without transaction or parameters), or a new one.</summary>
    internal SqliteCommand Borrow(string text)
    {
        if (idle.TryGetValue(text, out var stack) && stack.TryPop(out var command))
        {
            return command;
        }

        Compiled++;
        return new SqliteCommand(text, this);
    }

    /// <summary>Takes <paramref name="command"/> back for the next use of its text (disposes it beyond <see cref="Capacity"/>).</summary>
    internal void Return(SqliteCommand command)
    {
        command.Parameters.Clear();
        command.Transaction = null;
        var text = command.CommandText;
        if (!idle.TryGetValue(text, out var stack))
        {
            if (idle.Count >= Capacity)
            {
                command.Dispose();
                return;
            }

            idle[text] = stack = new Stack<SqliteCommand>();
        }

        stack.Push(command);
    }

    /// <summary>
    /// Renames the parameters of <paramref name="command"/> to the names its statement holds: <c>@name</c> when it says so.
    /// Dapper names parameters without their prefix, and Microsoft.Data.Sqlite then looks each one up again with the
    /// prefixes it accepts (its <c>FindPrefixedParameter</c>), encoding the name for SQLite each time: measured, 2 % of the
    /// service's CPU under load, nearly all of it on the writer. The answer is kept per compiled command and name, so a warm
    /// write neither searches the statement's text nor allocates for it.
    /// </summary>
    internal void BindNames(SqliteCommand command)
    {
        var bound = names.GetValue(command, static _ => new Dictionary<string, string>(StringComparer.Ordinal));
        foreach (SqliteParameter parameter in command.Parameters)
        {
            var name = parameter.ParameterName;
            if (name.Length == 0 || name[0] is '@' or ':' or '$')
            {
                continue;
            }

            if (!bound.TryGetValue(name, out var asNamed))
            {
                asNamed = Names(command.CommandText, '@' + name) ? '@' + name : name;
                bound[name] = asNamed;
            }

            parameter.ParameterName = asNamed;
        }
    }

    /// <summary>Whether <paramref name="text"/> holds <paramref name="parameter"/> as a whole name (not the start of a longer one).</summary>
    private static bool Names(string text, string parameter)
    {
        for (var at = text.IndexOf(parameter, StringComparison.Ordinal); at >= 0; at = text.IndexOf(parameter, at + 1, StringComparison.Ordinal))
        {
            var end = at + parameter.Length;
            if (end == text.Length || !(char.IsLetterOrDigit(text[end]) || text[end] == '_'))
            {
                return true;
            }
        }

        return false;
    }

    protected override DbCommand CreateDbCommand() => new BorrowedCommand(this);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var command in idle.Values.SelectMany(s => s))
            {
                command.Dispose();
            }

            idle.Clear();
            names.Clear();
        }

        base.Dispose(disposing);
    }
}
