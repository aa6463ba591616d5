using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Research.Episodes;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Export;

/// <summary>One patient of the research cohort as the exports read it: the facts and the episode records built from them.</summary>
public sealed record CohortPatient(CourseFacts Facts, IReadOnlyList<EpisodeRecord> Episodes);

/// <summary>
/// Reads the research cohort (every patient with a protocol dose) patient by patient, one connection, no lock: the
/// exports read committed data as of their transaction time and change nothing.
/// </summary>
public sealed class ResearchCohort(
    Database database, ProtocolCatalog protocols, IOptions<GradingSettings> grading, IOptions<ContinuousGradingSettings> continuous)
{
    /// <summary>Labs this long before the onset and after the resolution belong to an episode's record.</summary>
    public static readonly TimeSpan LabsAround = TimeSpan.FromHours(48);

    public async IAsyncEnumerable<CohortPatient> ReadAsync(DateTimeOffset asOf, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var settings = new EpisodeRecordSettings(continuous.Value.PremedicationBeforeDose, continuous.Value.OxygenDeviceStaleAfter, LabsAround);
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        foreach (var patientId in await CourseFactsStore.CohortAsync(connection, ct).ConfigureAwait(false))
        {
            var facts = await CourseFactsStore.LoadAsync(connection, patientId, asOf, grading.Value, continuous.Value, ct).ConfigureAwait(false);
            yield return new CohortPatient(facts, EpisodeRecords.Build(facts, protocols, settings, asOf));
        }
    }
}
