namespace CrsMonitor.Service.Storage.Backup;

/// <summary>The last step of every restore: the audit's hash chain (<see cref="AuditVerifier"/>) on the restored database.</summary>
internal static class RestoredAudit
{
    public static int Verify(StorageProvider provider, string connectionString, TextWriter stdout, TextWriter stderr)
    {
        using var database = new Database(provider, connectionString);
        var result = AuditVerifier.VerifyAsync(database, CancellationToken.None).GetAwaiter().GetResult();
        if (result.Verified)
        {
            stdout.WriteLine($"restore: {result.Message}");
            return BackupExit.Done;
        }

        stderr.WriteLine($"restore: restored, but the restored {result.Message} (compare with the logged seal hashes: deploy/database-roles.md)");
        return BackupExit.CheckFailed;
    }
}
