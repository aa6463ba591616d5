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
        // No checkpoint is ever at MinValue (CheckpointStore keeps only those after the instant a re-grading starts from):
        // from the start of the course, the seed is null.
        var (facts, seed) = await CheckpointStore.AtOrBeforeAsync(c, tx, patientId, at, ct).ConfigureAwait(false);
        var readings = seed is null
            ? await ReadingStore.GradingInputsAsync(c, tx, patientId, ct).ConfigureAwait(false)
            : await BoundedReadings.SinceAsync(c, tx, patientId, seed.At, settings, ct).ConfigureAwait(false);
        return new GradingState(facts, seed, readings);
    }
}
