using System.Data.Common;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// What grading at or after an instant starts from: the patient's facts, the latest checkpoint at or before it and the
/// bounded readings that checkpoint needs; without a checkpoint (a new patient, a birth date changed, <c>regrade</c>)
/// every reading but the laboratory results (never a grading input: CRS-ORGAN).
/// </summary>
public sealed record GradingState(PatientFacts Facts, TimelineSeed? Seed, IReadOnlyList<Reading> Readings)
{
    /// <summary>The state to grade from <paramref name="at"/> on (<see cref="DateTimeOffset.MinValue"/>: from the start of the course).</summary>
    public static async Task<GradingState> LoadAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset at, ContinuousGradingSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (facts, seed) = await CheckpointStore.AtOrBeforeAsync(c, tx, patientId, at, ct).ConfigureAwait(false);
        if (at == DateTimeOffset.MinValue)
        {
            seed = null; // from the start of the course, whatever checkpoint a MinValue instant might match
        }

        var readings = seed is null
            ? await ReadingStore.GradingInputsAsync(c, tx, patientId, ct).ConfigureAwait(false)
            : await BoundedReadings.SinceAsync(c, tx, patientId, seed.At, settings, ct).ConfigureAwait(false);
        return new GradingState(facts, seed, readings);
    }
}
