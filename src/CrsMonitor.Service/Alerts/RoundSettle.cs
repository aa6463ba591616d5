using System.Data.Common;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// The round settle (grading-rules.md section 7: the alerts of a course never depend on the arrival order of a round's
/// vital signs). A write that changes a patient's readings re-grades at once (status, census and their bell do not
/// wait), but the conditions derived from the readings wait until the round is due: the first write of a round sets
/// <c>alert_round_settle.due_at</c> = now + <c>Alerts:RoundSettleMinutes</c>, later writes of the round keep it, and
/// <see cref="RoundSettleWorker"/> evaluates every condition on the complete round once it is due. While a round is
/// pending, <see cref="AlertService.EvaluateAsync"/> (every caller) evaluates only the schedule conditions, which do
/// not depend on the readings of the round. Order independence holds when all resources of a round arrive within the
/// settle of its first one.
/// </summary>
public sealed class RoundSettle(IOptions<AlertSettings> options)
{
    /// <summary>Conditions that come from the check schedule (and the device streams' gaps, issue 17), not from the round's readings: never deferred.</summary>
    public static readonly IReadOnlySet<string> ScheduleConditions = new HashSet<string>(StringComparer.Ordinal)
    {
        Conditions.CheckOverdue, Conditions.WindowMaximumPassed, Conditions.NoData,

        // Not from the schedule, but one submission is the whole "round" and it is urgent (issue 17): raised at once.
        Conditions.AssessIceNow,
    };

    /// <summary>
    /// The patient's readings changed (inside the write transaction, under the patient's lock): a round is pending
    /// until the instant already set, or from now for the settle. An instant already passed belongs to a finished
    /// round the pass has not reached yet: this write starts a new round, so the instant moves on (the finished round
    /// is then evaluated with the new one, at most one settle later) rather than evaluating a partial round now.
    /// Returns the due instant, or null when the settle is 0 (alerts are evaluated at once).
    /// </summary>
    public async Task<DateTimeOffset?> ReadingsChangedAsync(DbConnection c, DbTransaction tx, string patientId, DateTimeOffset now, CancellationToken ct)
    {
        var settle = options.Value.RoundSettle;
        if (settle <= TimeSpan.Zero)
        {
            return null;
        }

        var pending = await RoundSettleStore.DueAtAsync(c, tx, patientId, ct).ConfigureAwait(false);
        if (pending is { } due && due > now)
        {
            return due;
        }

        var next = now + settle;
        await RoundSettleStore.SetAsync(c, tx, patientId, next, exists: pending is not null, ct).ConfigureAwait(false);
        return next;
    }

    /// <summary>Whether the patient has a round pending (its reading-derived alerts wait for it).</summary>
    public static async Task<bool> PendingAsync(DbConnection c, DbTransaction tx, string patientId, CancellationToken ct) =>
        await RoundSettleStore.DueAtAsync(c, tx, patientId, ct).ConfigureAwait(false) is not null;
}
