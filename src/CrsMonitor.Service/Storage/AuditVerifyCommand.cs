using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// The <c>verify-audit</c> verb: recomputes the audit's hash chain (<see cref="AuditVerifier"/>) on the configured
/// database (<c>Storage</c> section; settings may follow on the command line, as for <c>migrate</c>) and exits. It only
/// reads, so the service role may run it. Exit codes: 0 verified ("audit verified: N rows, M seals"); 1 not verified
/// (names the first row or seal that does not match); 2 could not verify (settings, or the database cannot be read).
/// </summary>
public static class AuditVerifyCommand
{
    public const int Verified = 0;
    public const int NotVerified = 1;
    public const int Failed = 2;

    public static int Run(IConfiguration configuration, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            var settings = StorageSettings.FromConfiguration(configuration);
            if (settings.Problems() is { Count: > 0 } problems)
            {
                stderr.WriteLine($"verify-audit: {string.Join(" ", problems)}");
                return Failed;
            }

            using var database = new Database(settings.Provider, settings.ConnectionStringFor(DataDirectory.FromConfiguration(configuration)));
            var result = AuditVerifier.VerifyAsync(database, CancellationToken.None).GetAwaiter().GetResult();
            stdout.WriteLine(result.Message);
            return result.Verified ? Verified : NotVerified;
        }
        catch (Exception e) when (e is StartupConfigurationException || DbErrors.IsDatabaseFailure(e))
        {
            stderr.WriteLine($"verify-audit: cannot read the audit (is the database migrated and reachable?): {e.Message}");
            return Failed;
        }
    }
}
