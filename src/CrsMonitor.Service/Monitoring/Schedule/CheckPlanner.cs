using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>Why a slot is in the schedule.</summary>
public enum SlotBasis
{
    /// <summary>The protocol's routine frequency, counted from the window's opening.</summary>
    Routine,

    /// <summary>An intensification step after a trigger (grade ≥ 1, a grade increase, a drop in ICE).</summary>
    Intensified,
}

/// <summary>One planned check: due at <see cref="DueAt"/>, overdue from <see cref="OverdueAt"/> (due + grace).</summary>
public sealed record PlannedSlot(CheckKind Kind, DateTimeOffset DueAt, DateTimeOffset OverdueAt, SlotBasis Basis);

/// <summary>
/// The check schedule of one window (protocols.md, "Check frequency"), a pure function of the window, the protocol's
/// <see cref="CheckSchedule"/> and the intensification triggers seen so far:
/// <list type="bullet">
/// <item>routine: vital signs every <c>vitalSignsEveryMinutes</c> and ICE every <c>iceEveryMinutes</c>, counted from the
/// window's opening (the dose time), strictly before the window's end;</item>
/// <item>after a trigger at T the steps of <c>intensification</c> replace the routine schedule of their check from T
/// on: step 1 every 30 min for 120 min (T+30 … T+120), step 2 every 240 min from there to the window's end; a new
/// trigger starts again at step 1 (so "then every 4 h if stable" means: if no new trigger came).</item>
/// </list>
/// Slots are instants in elapsed time (UTC): a daylight-saving change moves nothing. An interval of 0 plans no routine
/// check of that kind (a home schedule without it: <see cref="CheckSchedule.For"/>).
/// </summary>
public static class CheckPlanner
{
    public static IReadOnlyList<PlannedSlot> Plan(
        DateTimeOffset opensAt, DateTimeOffset endsAt, CheckSchedule checks, IReadOnlyList<DateTimeOffset> triggers)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(triggers);
        var grace = TimeSpan.FromMinutes(checks.OverdueGraceMinutes);
        var inWindow = triggers.Where(t => t >= opensAt && t < endsAt).Distinct().Order().ToList();
        var slots = new List<PlannedSlot>();
        foreach (var kind in Enum.GetValues<CheckKind>())
        {
            var every = TimeSpan.FromMinutes(kind == CheckKind.VitalSigns ? checks.VitalSignsEveryMinutes : checks.IceEveryMinutes);
            var steps = checks.Intensification.Steps.Where(s => s.Check == kind).ToList();
            var routineUntil = steps.Count > 0 && inWindow.Count > 0 ? inWindow[0] : endsAt;
            for (var due = opensAt + every; every > TimeSpan.Zero && due < routineUntil; due += every) // 0: none of this kind (a home schedule)
            {
                slots.Add(new PlannedSlot(kind, due, due + grace, SlotBasis.Routine));
            }

            if (steps.Count == 0)
            {
                continue;
            }

            for (var i = 0; i < inWindow.Count; i++)
            {
                var limit = i + 1 < inWindow.Count ? inWindow[i + 1] : endsAt;
                var stepStart = inWindow[i];
                foreach (var step in steps)
                {
                    var stepEnd = step.ForMinutes is { } minutes ? Min(stepStart + TimeSpan.FromMinutes(minutes), endsAt) : endsAt;
                    var stepEvery = TimeSpan.FromMinutes(step.EveryMinutes);
                    for (var due = stepStart + stepEvery; due <= stepEnd && due < limit; due += stepEvery)
                    {
                        slots.Add(new PlannedSlot(kind, due, due + grace, SlotBasis.Intensified));
                    }

                    stepStart = stepEnd;
                    if (stepStart >= limit)
                    {
                        break;
                    }
                }
            }
        }

        return [.. slots.DistinctBy(s => (s.Kind, s.DueAt)).OrderBy(s => s.DueAt).ThenBy(s => s.Kind)];
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
