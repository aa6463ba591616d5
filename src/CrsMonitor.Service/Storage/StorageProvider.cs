namespace CrsMonitor.Service.Storage;

/// <summary>The database behind CrsMonitor (configuration <c>Storage:Provider</c>: sqlite, postgres or sqlserver).</summary>
public enum StorageProvider
{
    /// <summary>The embedded default: one file in the data folder, WAL mode, single node.</summary>
    Sqlite,

    /// <summary>PostgreSQL (Npgsql): clustered deployments.</summary>
    Postgres,

    /// <summary>SQL Server (Microsoft.Data.SqlClient): the hospital production target.</summary>
    SqlServer,
}
