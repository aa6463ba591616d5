using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Configuration section <c>Storage</c>. The default is SQLite in the data folder (<c>crsmonitor.db</c>), migrated at
/// start-up. PostgreSQL and SQL Server need <see cref="ConnectionString"/> and are migrated by the <c>migrate</c>
/// verb, or at start-up when <see cref="MigrateOnStartup"/> is true.
/// </summary>
public sealed record StorageSettings
{
    public const string SectionName = "Storage";
    public const string SqliteFileName = "crsmonitor.db";

    /// <summary><c>sqlite</c> (default), <c>postgres</c> or <c>sqlserver</c>.</summary>
    public StorageProvider Provider { get; init; } = StorageProvider.Sqlite;

    /// <summary>ADO.NET connection string; optional for SQLite (default: the data folder's crsmonitor.db).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Days a rejected payload is kept for the interface team before it is purged (1-3650, default 30).</summary>
    public int RejectedPayloadRetentionDays { get; init; } = 30;

    /// <summary>
    /// Longest wait for one database statement (1-600 s, default 10): a frozen database answers 503 after this, instead of
    /// holding the request. SQLite: also the longest wait for the write lock (another process holding it, or this
    /// process's queue of writers).
    /// </summary>
    public int CommandTimeoutSeconds { get; init; } = 10;

    /// <summary>Longest wait to open a connection (PostgreSQL, SQL Server), including for a free one in the pool (1-600 s, default 5).</summary>
    public int ConnectTimeoutSeconds { get; init; } = 5;

    /// <summary><c>/health/ready</c>: longest wait for the database to answer its probe (1-60 s, default 3); longer is unready.</summary>
    public int HealthProbeTimeoutSeconds { get; init; } = 3;

    /// <summary>The timeouts of <see cref="Database"/>.</summary>
    public DatabaseTimeouts Timeouts => new(
        TimeSpan.FromSeconds(CommandTimeoutSeconds), TimeSpan.FromSeconds(ConnectTimeoutSeconds), TimeSpan.FromSeconds(HealthProbeTimeoutSeconds));

    /// <summary>PostgreSQL and SQL Server: run the migrations at start-up (default false: run the <c>migrate</c> verb).</summary>
    public bool MigrateOnStartup { get; init; }

    /// <summary>
    /// PostgreSQL and SQL Server: the role (database principal) the service connects as. When set, the <c>migrate</c>
    /// verb, run as the owner of the tables, grants it only what the service needs: INSERT and SELECT on the audit
    /// tables, no UPDATE, DELETE, TRUNCATE or ALTER anywhere it could rewrite history (deploy/database-roles.md).
    /// </summary>
    public string? ServiceRole { get; init; }

    /// <summary>How often the audit sealer looks for rows to seal (seconds, 1-3600, default 30).</summary>
    public int AuditSealIntervalSeconds { get; init; } = 30;

    /// <summary>
    /// How long an audit id must have been visible before rows up to it are sealed (seconds, 0-3600, default 60): a
    /// transaction that took a lower id and commits later must have finished by then.
    /// </summary>
    public int AuditSealSettleSeconds { get; init; } = 60;

    /// <summary>At most this many audit rows per seal (10-100000, default 1000).</summary>
    public int AuditSealBatchRows { get; init; } = 1000;

    public static StorageSettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new StorageSettings());

    /// <summary>The connection string to use: the configured one, or for SQLite the default file in the data folder.</summary>
    public string ConnectionStringFor(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return !string.IsNullOrWhiteSpace(ConnectionString) ? ConnectionString
            : Provider == StorageProvider.Sqlite ? $"Data Source={data.PathOf(SqliteFileName)}"
            : throw new StartupConfigurationException($"Storage:ConnectionString must be set for Storage:Provider={Provider}.");
    }

    /// <summary>Whether the service migrates the database itself when it starts.</summary>
    public bool MigratesAtStartup => Provider == StorageProvider.Sqlite || MigrateOnStartup;

    /// <summary>Everything wrong with this configuration, each naming its setting; empty when it can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Provider))
        {
            problems.Add($"Storage:Provider '{Provider}' is not known; one of: sqlite, postgres, sqlserver.");
        }
        else if (Provider != StorageProvider.Sqlite && string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add($"Storage:ConnectionString must be set for Storage:Provider={Provider.ToString().ToLowerInvariant()} (only sqlite has a default).");
        }

        if (RejectedPayloadRetentionDays is < 1 or > 3650)
        {
            problems.Add($"Storage:RejectedPayloadRetentionDays must be from 1 to 3650 (was {RejectedPayloadRetentionDays}).");
        }

        if (!string.IsNullOrEmpty(ServiceRole))
        {
            if (Provider == StorageProvider.Sqlite)
            {
                problems.Add("Storage:ServiceRole applies to postgres and sqlserver only (SQLite has no roles).");
            }
            else if (MigrateOnStartup)
            {
                problems.Add("Storage:ServiceRole and Storage:MigrateOnStartup cannot both be set: the service role cannot migrate; run the `migrate` verb as the migration role.");
            }

            if (ServiceRole.Length > 128 || string.IsNullOrWhiteSpace(ServiceRole) || ServiceRole.Any(char.IsControl))
            {
                problems.Add("Storage:ServiceRole must be a role name of 1 to 128 characters without control characters.");
            }
        }

        if (AuditSealIntervalSeconds is < 1 or > 3600)
        {
            problems.Add($"Storage:AuditSealIntervalSeconds must be from 1 to 3600 (was {AuditSealIntervalSeconds}).");
        }

        if (AuditSealSettleSeconds is < 0 or > 3600)
        {
            problems.Add($"Storage:AuditSealSettleSeconds must be from 0 to 3600 (was {AuditSealSettleSeconds}).");
        }

        if (AuditSealBatchRows is < 10 or > 100_000)
        {
            problems.Add($"Storage:AuditSealBatchRows must be from 10 to 100000 (was {AuditSealBatchRows}).");
        }

        if (CommandTimeoutSeconds is < 1 or > 600)
        {
            problems.Add($"Storage:CommandTimeoutSeconds must be from 1 to 600 (was {CommandTimeoutSeconds}).");
        }

        if (ConnectTimeoutSeconds is < 1 or > 600)
        {
            problems.Add($"Storage:ConnectTimeoutSeconds must be from 1 to 600 (was {ConnectTimeoutSeconds}).");
        }

        if (HealthProbeTimeoutSeconds is < 1 or > 60)
        {
            problems.Add($"Storage:HealthProbeTimeoutSeconds must be from 1 to 60 (was {HealthProbeTimeoutSeconds}).");
        }

        return problems;
    }
}

/// <summary>How long <see cref="Database"/> waits for a statement, for a connection, and for the readiness probe.</summary>
public sealed record DatabaseTimeouts(TimeSpan Command, TimeSpan Connect, TimeSpan Probe)
{
    /// <summary>The defaults of <see cref="StorageSettings"/>.</summary>
    public static DatabaseTimeouts Default { get; } = new StorageSettings().Timeouts;
}

/// <summary>Stops start-up when <see cref="StorageSettings.Problems"/> finds anything.</summary>
internal sealed class StorageSettingsValidator : IValidateOptions<StorageSettings>
{
    public ValidateOptionsResult Validate(string? name, StorageSettings options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
