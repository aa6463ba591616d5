using DbUp;
using DbUp.Engine;

namespace CrsMonitor.Service.Storage;

/// <summary>What a migration run applied (empty when the database was already up to date).</summary>
public sealed record MigrationResult(IReadOnlyList<string> Applied);

/// <summary>A migration could not run; the message names the script or says the database cannot be reached.</summary>
public sealed class MigrationException : Exception
{
    public MigrationException()
    {
    }

    public MigrationException(string message)
        : base(message)
    {
    }

    public MigrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The numbered, forward-only scripts of <c>schemas/sql/&lt;provider&gt;/NNNN_name.sql</c>, embedded in the assembly and
/// run by DbUp, one transaction per script, journaled in <c>schema_versions</c>. A script that ran is never run again.
/// </summary>
public static class Migrations
{
    public const string JournalTable = "schema_versions";

    private const string ResourcePrefix = "crsmonitor.sql.";

    /// <summary>The folder under <c>schemas/sql</c> of each provider.</summary>
    public static string FolderOf(StorageProvider provider) => provider switch
    {
        StorageProvider.Postgres => "postgres",
        StorageProvider.SqlServer => "sqlserver",
        _ => "sqlite",
    };

    /// <summary>The embedded scripts of a provider, by name (<c>0001_initial.sql</c>, ...), in the order they run.</summary>
    public static IReadOnlyList<SqlScript> Scripts(StorageProvider provider)
    {
        var assembly = typeof(Migrations).Assembly;
        var prefix = $"{ResourcePrefix}{FolderOf(provider)}.";
        return
        [
            .. assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(n => new SqlScript(n[prefix.Length..], ReadResource(assembly, n))),
        ];
    }

    /// <summary>Runs the scripts not yet run. Throws <see cref="MigrationException"/> naming what failed.</summary>
    public static MigrationResult Run(StorageProvider provider, string connectionString, ILogger logger)
    {
        var result = Engine(provider, connectionString, logger).PerformUpgrade();
        if (!result.Successful)
        {
            var error = result.Error ?? new InvalidOperationException("DbUp reported a failure without an error");
            throw new MigrationException(
                result.ErrorScript is { } script ? $"script {script.Name} failed: {error.Message}" : error.Message, error);
        }

        return new MigrationResult([.. result.Scripts.Select(s => s.Name)]);
    }

    /// <summary>The scripts not yet run (empty: up to date). Throws <see cref="MigrationException"/> if the database cannot be read.</summary>
    public static IReadOnlyList<string> Pending(StorageProvider provider, string connectionString, ILogger logger)
    {
        try
        {
            return [.. Engine(provider, connectionString, logger).GetScriptsToExecute().Select(s => s.Name)];
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e) || e is InvalidOperationException)
        {
            throw new MigrationException(e.Message, e);
        }
    }

    private static UpgradeEngine Engine(StorageProvider provider, string connectionString, ILogger logger)
    {
        var builder = provider switch
        {
            StorageProvider.Postgres => DeployChanges.To.PostgresqlDatabase(connectionString).JournalToPostgresqlTable(null, JournalTable),
            StorageProvider.SqlServer => DeployChanges.To.SqlDatabase(connectionString).JournalToSqlTable("dbo", JournalTable),
            _ => DeployChanges.To.SqliteDatabase(connectionString).JournalToSqliteTable(JournalTable),
        };

        return builder
            .WithScripts(Scripts(provider))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .LogTo(new DbUpLog(logger))
            .Build();
    }

    private static string ReadResource(System.Reflection.Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
