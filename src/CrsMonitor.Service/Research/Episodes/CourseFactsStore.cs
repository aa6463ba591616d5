using System.Data.Common;
using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Research.Episodes;

/// <summary>
/// Loads <see cref="CourseFacts"/>: the research cohort is every patient with a recorded dose of a protocol drug
/// (a patient who never had one has no episode to relate to a dose).
/// </summary>
public static class CourseFactsStore
{
    [Sql]
    private const string Cohort = "SELECT DISTINCT patient_id FROM monitoring_dose ORDER BY patient_id";

    public static async Task<IReadOnlyList<string>> CohortAsync(DbConnection c, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var ids = await c.QueryAsync<string>(Dialect.Command(c, null, Cohort, null, ct)).ConfigureAwait(false);
        return [.. ids];
    }

    /// <summary>The facts of one patient as of <paramref name="asOf"/>: readings taken until then, the timeline computed up to it.</summary>
    public static async Task<CourseFacts> LoadAsync(
        DbConnection c, string patientId, DateTimeOffset asOf, GradingSettings grading, ContinuousGradingSettings continuous, CancellationToken ct)
    {
        var birthDate = await PatientStore.BirthDateAsync(c, null, patientId, ct).ConfigureAwait(false);
        var readings = (await ReadingStore.ForPatientAsync(c, null, patientId, ct).ConfigureAwait(false)).Where(r => r.EffectiveAt <= asOf).ToList();
        var timeline = GradeTimeline.Compute(new PatientFacts(patientId, birthDate), readings, grading, continuous, until: asOf);
        return new CourseFacts(
            patientId,
            birthDate,
            timeline,
            await MonitoringStore.DosesAsync(c, null, patientId, ct).ConfigureAwait(false),
            await MonitoringStore.WindowsAsync(c, null, patientId, ct).ConfigureAwait(false),
            readings);
    }
}
