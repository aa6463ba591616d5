using System.Globalization;
using Dapper;
using Npgsql;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// <c>restore --from PATH</c> on PostgreSQL: checks the archive (<see cref="PostgresArchive"/>), refuses a database that
/// has any table in its schema (a restore goes into a new, empty database), then runs <c>pg_restore</c> into it in one
/// transaction (<c>--single-transaction --exit-on-error</c>: all or nothing) keeping owners and grants as dumped (the
/// roles of deploy/database-roles.md must exist: dropping the grants would also drop the REVOKE that keeps the grant
/// routine from the service role), and verifies the audit's hash chain on the result.
/// </summary>
internal static class PostgresRestore
{
    public static int Run(string connectionString, BackupArguments options, PgTools tools, TextWriter stdout, TextWriter stderr)
    {
        var backup = Path.GetFullPath(options.From!);
        if (!File.Exists(backup))
        {
            throw new BackupException($"there is no backup at {backup}");
        }

        var pgRestore = tools.Find("pg_restore");
        BackupContents contents;
        try
        {
            contents = PostgresArchive.Check(tools, backup);
        }
        catch (BackupException e)
        {
            throw new BackupException(e.ExitCode, $"{backup} was not restored: {e.Message}", e);
        }

        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        try
        {
            using (var c = new NpgsqlConnection(connectionString))
            {
                c.Open();
                var tables = c.ExecuteScalar<long>(BackupSql.PostgresTableCount);
                if (tables > 0)
                {
                    throw new BackupException(string.Create(CultureInfo.InvariantCulture,
                        $"database {connection.Database} is not empty ({tables} tables): restore into a new database (CREATE DATABASE ... OWNER the migration role), then point Storage:ConnectionString at it"));
                }
            }
        }
        catch (NpgsqlException e)
        {
            throw new BackupException($"could not reach the database: {e.Message}", e);
        }

        var restore = PgTools.Run(pgRestore, ["--single-transaction", "--exit-on-error", $"--dbname={connection.Database}", backup], connection);
        if (restore.ExitCode != 0)
        {
            throw new BackupException($"pg_restore failed, nothing was restored (one transaction): {restore.Stderr.Trim()}");
        }

        stdout.WriteLine($"restore: database {connection.Database} restored from {backup} ({new FileInfo(backup).Length} bytes): {contents.Schema}"
            + (contents.Pending.Count > 0 ? "; run migrate next" : string.Empty));
        if (contents.Pending.Count > 0)
        {
            stdout.WriteLine("restore: the audit is verified once migrated: run migrate, then verify-audit");
            return BackupExit.Done;
        }

        using (var c = new NpgsqlConnection(connectionString))
        {
            c.Open();
            stdout.WriteLine($"restore: {c.QuerySingle<BackupCounts>(BackupSql.Counts)}");
        }

        return RestoredAudit.Verify(StorageProvider.Postgres, connectionString, stdout, stderr);
    }
}
