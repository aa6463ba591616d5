namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// Checks a <c>pg_dump -Fc</c> archive with <c>pg_restore</c> itself, without a server: its whole content is read once
/// (<c>pg_restore -f /dev/null</c>, which fails on a truncated or damaged archive), and its migration journal
/// (<c>schema_versions</c>' data, printed as COPY text) must be there and known to this build.
/// </summary>
internal static class PostgresArchive
{
    public static BackupContents Check(PgTools tools, string path)
    {
        var pgRestore = tools.Find("pg_restore");
        var whole = PgTools.Run(pgRestore, ["--file=/dev/null", path], null);
        if (whole.ExitCode != 0)
        {
            throw BackupException.Check($"pg_restore cannot read it as a pg_dump archive: {whole.Stderr.Trim()}");
        }

        var journal = PgTools.Run(pgRestore, ["--data-only", $"--table={Migrations.JournalTable}", "--file=-", path], null);
        if (journal.ExitCode != 0)
        {
            throw BackupException.Check($"pg_restore cannot read its migration journal: {journal.Stderr.Trim()}");
        }

        var (names, pending) = BackupContents.CheckJournal(Storage.StorageProvider.Postgres, ScriptNames(journal.Stdout));
        return new BackupContents(names, pending, null);
    }

    /// <summary>The <c>scriptname</c> column of the journal's <c>COPY ... FROM stdin;</c> block (tab-separated rows up to <c>\.</c>).</summary>
    private static List<string> ScriptNames(string sql)
    {
        var lines = sql.Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("COPY ", StringComparison.Ordinal) && l.Contains(Migrations.JournalTable, StringComparison.Ordinal));
        if (header < 0)
        {
            return [];
        }

        var columns = lines[header][(lines[header].IndexOf('(', StringComparison.Ordinal) + 1)..lines[header].IndexOf(')', StringComparison.Ordinal)]
            .Split(',', StringSplitOptions.TrimEntries);
        var column = Array.IndexOf(columns, "scriptname");
        return column < 0
            ? []
            : [.. lines.Skip(header + 1).TakeWhile(l => l != "\\.").Select(l => l.Split('\t')).Where(f => f.Length > column).Select(f => f[column])];
    }
}
