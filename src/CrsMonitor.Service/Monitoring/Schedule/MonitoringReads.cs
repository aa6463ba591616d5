using System.Data.Common;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// What the intensification triggers of the open windows are computed from: the grade steps and the neuro checks from
/// the earliest open window's opening to the end of the latest (plus, of each, the one before, which the "grade rising"
/// and "ICE drop" comparisons need).
/// </summary>
public sealed record TriggerInputs(IReadOnlyList<GradeStep> Grades, IReadOnlyList<Reading> NeuroChecks)
{
    public static readonly TriggerInputs None = new([], []);
}

/// <summary>The slots of one kind of one window to match (the arguments of <see cref="SlotMatcher"/>'s Match).</summary>
public sealed record SlotsToMatch(
    CheckKind Kind, IReadOnlyList<DateTimeOffset> DueTimes, DateTimeOffset OpensAt, TimeSpan EarlyTolerance,
    IReadOnlyList<DateTimeOffset> Boundaries, DateTimeOffset WindowEnd)
{
    public IReadOnlyList<SlotSpan> Spans() => SlotMatcher.Spans(DueTimes, OpensAt, EarlyTolerance, Boundaries, WindowEnd);
}

/// <summary>
/// How the monitoring refresh reads readings and grade steps. <see cref="BoundedMonitoringReads"/> (the service's) reads
/// only what can still change a dose, a trigger or a slot, whatever the length of the patient's history;
/// <see cref="WholeHistoryMonitoringReads"/> reads everything and matches with <see cref="SlotMatcher"/>'s whole-list
/// form: the oracle the bounded reads are tested against.
/// </summary>
public abstract class MonitoringReads
{
    /// <summary>The protocol-drug administrations (Medication readings qualified <c>protocol-drug</c> with a drug key), in reading order.</summary>
    internal abstract Task<IReadOnlyList<Reading>> AdministrationsAsync(DbConnection c, DbTransaction tx, string patientId, CancellationToken ct);

    /// <summary>Grade steps and neuro checks enough for every trigger in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    internal abstract Task<TriggerInputs> TriggerInputsAsync(
        DbConnection c, DbTransaction tx, string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct);

    /// <summary>For each slot of <paramref name="slots"/> (one kind, ordered by due time), when it was done, or null.</summary>
    internal abstract Task<IReadOnlyList<SlotDone?>> MatchAsync(
        DbConnection c, DbTransaction tx, string patientId, SlotsToMatch slots, TriggerInputs inputs, CancellationToken ct);
}

/// <summary>
/// The oracle: every reading and grade step of the patient, matched in memory (the refresh as it was before issue 12).
/// Cost grows with the patient's history; tests only.
/// </summary>
public sealed class WholeHistoryMonitoringReads : MonitoringReads
{
    internal override async Task<IReadOnlyList<Reading>> AdministrationsAsync(DbConnection c, DbTransaction tx, string patientId, CancellationToken ct) =>
        [.. (await ReadingStore.ForPatientAsync(c, tx, patientId, ct).ConfigureAwait(false))
            .Where(r => r.Kind == ReadingKind.Medication && r.Qualifier == "protocol-drug" && r.Code is not null)];

    internal override async Task<TriggerInputs> TriggerInputsAsync(
        DbConnection c, DbTransaction tx, string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        new(await MonitoringStore.GradeStepsAsync(c, tx, patientId, ct).ConfigureAwait(false),
            await ReadingStore.ForPatientAsync(c, tx, patientId, ct).ConfigureAwait(false));

    internal override async Task<IReadOnlyList<SlotDone?>> MatchAsync(
        DbConnection c, DbTransaction tx, string patientId, SlotsToMatch slots, TriggerInputs inputs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(slots);
        var readings = await ReadingStore.ForPatientAsync(c, tx, patientId, ct).ConfigureAwait(false);
        return SlotMatcher.Match(slots.Kind, slots.DueTimes, slots.OpensAt, readings, slots.EarlyTolerance, slots.Boundaries, slots.WindowEnd);
    }
}
