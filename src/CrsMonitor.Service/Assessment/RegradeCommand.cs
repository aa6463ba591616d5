using System.Globalization;
using CrsMonitor.Grading;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The <c>regrade</c> verb, for repairs after a change of the grading settings or rules: recomputes the whole timeline
/// (points, episodes, checkpoints) of one patient (<c>regrade patient ID</c>) or of every patient with readings
/// (<c>regrade all</c>) from the start of the course, each in its own transaction under the patient's lock, audited
/// (<c>grading.regrade</c>, with the points before and after), on the configured database and settings (as for
/// <c>migrate</c>). The service may keep running: a patient's writes wait for its lock. Alerts follow at the patient's
/// next pass (a write, a window wake-up, the round settle). Exit codes: 0 done; 1 failed (one message on standard error).
/// </summary>
public static class RegradeCommand
{
    public const int Done = 0;
    public const int Failed = 1;

    public const string Usage = "usage: regrade all | regrade patient <id> [--Storage:Key=value ...]";

    [Sql]
    private const string PatientsWithReadings = "SELECT DISTINCT patient_id FROM reading ORDER BY patient_id";

    [Sql]
    private const string HasReadings = "SELECT COUNT(*) FROM reading WHERE patient_id = @PatientId";

    [Sql]
    private const string PointCount = "SELECT COUNT(*) FROM grade_point WHERE patient_id = @PatientId";

    public static int Run(IReadOnlyList<string> args, IConfiguration configuration, TimeProvider time, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? only = args switch
        {
            [_, "all", ..] => null,
            [_, "patient", var id, ..] when !id.StartsWith('-') => id,
            _ => "",
        };
        if (only == "")
        {
            stderr.WriteLine($"regrade: {Usage}");
            return Failed;
        }

        try
        {
            var grading = SettingsBinding.Bind(configuration, GradingSettingsValidator.SectionName, new GradingSettings());
            var continuous = SettingsBinding.Bind(configuration, ContinuousGradingSettings.SectionName, new ContinuousGradingSettings());
            var storage = StorageSettings.FromConfiguration(configuration);
            var problems = (new GradingSettingsValidator().Validate(null, grading).Failures ?? [])
                .Concat(new ContinuousGradingSettingsValidator().Validate(null, continuous).Failures ?? []).Concat(storage.Problems()).ToList();
            if (problems.Count > 0)
            {
                stderr.WriteLine($"regrade: {string.Join(" ", problems)}");
                return Failed;
            }

            using var database = new Database(storage.Provider, storage.ConnectionStringFor(DataDirectory.FromConfiguration(configuration)));
            if (Migrations.Pending(database.Provider, database.ConnectionString, NullLogger.Instance) is { Count: > 0 } pending)
            {
                // Grading needs this version's tables and indexes (the bounded load names its partial indexes).
                stderr.WriteLine($"regrade: the {storage.Provider} database is not migrated to this version ({string.Join(", ", pending)} pending): run `CrsMonitor.Service migrate` with the same Storage settings first");
                return Failed;
            }

            var recalculator = new GradeRecalculator(Options.Create(grading), Options.Create(continuous));
            var count = RegradeAsync(database, recalculator, only, time, stdout).GetAwaiter().GetResult();
            stdout.WriteLine($"regrade: {count} patient(s) regraded from the start of the course");
            return Done;
        }
        catch (Exception e) when (e is StartupConfigurationException || e is MigrationException || DbErrors.IsDatabaseFailure(e))
        {
            stderr.WriteLine($"regrade: {e.Message}");
            return Failed;
        }
    }

    private static async Task<int> RegradeAsync(Database database, GradeRecalculator recalculator, string? only, TimeProvider time, TextWriter stdout)
    {
        IReadOnlyList<string> patients;
        await using (var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false))
        {
            patients = only is not null ? [only] : [.. await connection.QueryAsync<string>(Dialect.Command(connection, null, PatientsWithReadings, null, CancellationToken.None)).ConfigureAwait(false)];
            if (only is not null
                && await connection.ExecuteScalarAsync<long>(Dialect.Command(connection, null, HasReadings, new { PatientId = only }, CancellationToken.None)).ConfigureAwait(false) == 0)
            {
                throw new StartupConfigurationException($"Patient/{only} has no readings: nothing to regrade (is the id right?)");
            }
        }

        foreach (var patientId in patients)
        {
            var (before, after) = await database.InTransactionAsync(async (c, tx) =>
            {
                await GradeStore.LockPatientAsync(c, tx, patientId, CancellationToken.None).ConfigureAwait(false);
                var key = new { PatientId = patientId };
                var before = await c.ExecuteScalarAsync<long>(Dialect.Command(c, tx, PointCount, key, CancellationToken.None)).ConfigureAwait(false);
                var now = time.GetUtcNow();
                await recalculator.RecalculateAsync(c, tx, patientId, DateTimeOffset.MinValue, now, CancellationToken.None).ConfigureAwait(false);
                var after = await c.ExecuteScalarAsync<long>(Dialect.Command(c, tx, PointCount, key, CancellationToken.None)).ConfigureAwait(false);
                var detail = string.Create(CultureInfo.InvariantCulture, $"grade points {before} before, {after} after");
                await AuditStore.AppendAsync(c, tx, new AuditEntry(now, "regrade", "admin", "grading.regrade", "Patient", patientId, patientId, "success", null, null, detail),
                    CancellationToken.None).ConfigureAwait(false);
                return (before, after);
            }, CancellationToken.None).ConfigureAwait(false);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"regrade: Patient/{patientId}: grade points {before} before, {after} after"));
        }

        return patients.Count;
    }
}
