using System.Globalization;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>Rows of the key tables in a backup (or, for PostgreSQL, in the snapshot the dump was taken from).</summary>
public sealed record BackupCounts(long Patients, long Resources, long Readings, long Alerts, long AuditRows, long AuditSeals)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"patients {Patients}, FHIR resources {Resources}, readings {Readings}, alerts {Alerts}, audit rows {AuditRows}, audit seals {AuditSeals}");
}

/// <summary>
/// What a backup holds, as far as the checks go: its migration journal (<c>schema_versions</c>) against this build's
/// scripts, and its key tables' counts (null when the backup is older than this build: the tables may not all exist yet).
/// </summary>
public sealed record BackupContents(IReadOnlyList<string> Journal, IReadOnlyList<string> Pending, BackupCounts? Counts)
{
    public string LastMigration => Journal[^1];

    /// <summary>One phrase: the last migration and how it stands against this build.</summary>
    public string Schema => Pending.Count == 0
        ? $"last migration {LastMigration} (this version's schema)"
        : string.Create(CultureInfo.InvariantCulture, $"last migration {LastMigration} ({Pending.Count} migration(s) of this version not yet applied: {string.Join(", ", Pending)})");

    /// <summary>
    /// Checks a journal read from a backup against this build's scripts of <paramref name="provider"/>: present and not
    /// empty, and no script this build does not know (a backup of a newer version: this build would run on a schema it
    /// does not understand). Throws <see cref="BackupException"/> (check failed).
    /// </summary>
    public static (IReadOnlyList<string> Journal, IReadOnlyList<string> Pending) CheckJournal(StorageProvider provider, IReadOnlyList<string> journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        if (journal.Count == 0)
        {
            throw BackupException.Check($"its migration journal ({Migrations.JournalTable}) is empty: not a migrated CrsMonitor database");
        }

        var known = Migrations.Scripts(provider).Select(s => s.Name).ToList();
        var unknown = journal.Except(known, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw BackupException.Check($"it was written by a newer version of CrsMonitor: migration(s) {string.Join(", ", unknown)} are unknown to this build (restore it with the version that wrote it)");
        }

        return ([.. journal.Order(StringComparer.Ordinal)], [.. known.Except(journal, StringComparer.Ordinal)]);
    }
}
