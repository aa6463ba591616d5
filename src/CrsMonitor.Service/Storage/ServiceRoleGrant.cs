using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Gives the service role (<c>Storage:ServiceRole</c>) exactly the privileges the service needs, by calling the grant
/// routine of migration 0004 (<c>crsmonitor_grant_service_role</c>) as the migration role, which owns the tables. Run
/// by the <c>migrate</c> verb after the migrations and Quartz's tables, on every run: the grants are reset, so tables a
/// new migration adds are covered. The routine refuses a role that does not exist, is the migration role (or a member
/// of it, or a superuser, db_owner or db_ddladmin) or owns a table, with a message naming <c>Storage:ServiceRole</c>.
/// </summary>
public static class ServiceRoleGrant
{
    [Sql(StorageProvider.Postgres)]
    private const string GrantPostgres = "SELECT crsmonitor_grant_service_role(@Role)";

    [Sql(StorageProvider.SqlServer)]
    private const string GrantSqlServer = "EXEC dbo.crsmonitor_grant_service_role @service_principal = @Role";

    /// <summary>Grants; throws <see cref="MigrationException"/> with the database's reason when it cannot.</summary>
    public static async Task GrantAsync(Database database, string role, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        if (database.Provider == StorageProvider.Sqlite)
        {
            throw new MigrationException("Storage:ServiceRole applies to postgres and sqlserver only (SQLite has no roles).");
        }

        try
        {
            await database.InTransactionAsync(
                (c, tx) => c.ExecuteAsync(Dialect.Command(c, tx, Dialect.Pick(c, GrantPostgres, GrantSqlServer), new { Role = role }, ct)), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            throw new MigrationException($"granting Storage:ServiceRole '{role}' failed: {e.Message}", e);
        }
    }
}
