using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>A dose's place in a protocol: cycle and day (C1D1, C1D8, ...).</summary>
public readonly record struct DosePlace(int Cycle, int Day)
{
    public override string ToString() => $"C{Cycle}D{Day}";
}

/// <summary>What the sequence needs to know of a recorded dose, in the order the doses started.</summary>
public sealed record SequencedDose(string Id, DateTimeOffset StartedAt, DosePlace? PhysicianPlace);

/// <summary>
/// The step-up sequence: the order of a protocol's doses (C1D1, C1D8, C1D15, C2D1, C2D15, C3D1, ...) and the place of
/// each recorded dose in it. A dose's place comes from the patient's history of the drug: one after the previous
/// dose's place. A physician's correction (an outside dose, a restart after a delay) fixes a dose's place, and the
/// doses after it count on from there.
/// </summary>
public static class DoseSequence
{
    /// <summary>Safety bound on the places searched (about 40 years of 2-weekly dosing).</summary>
    public const int MaxPlaces = 1000;

    /// <summary>The places of <paramref name="protocol"/> in dosing order (cycle, then day), up to <see cref="MaxPlaces"/>.</summary>
    public static IEnumerable<DosePlace> Places(Protocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var count = 0;
        for (var cycle = 1; count < MaxPlaces; cycle++)
        {
            var days = protocol.Doses.Where(d => d.Cycles.Contains(cycle)).SelectMany(d => d.Days).Distinct().Order().ToList();
            if (days.Count == 0)
            {
                yield break;
            }

            foreach (var day in days)
            {
                if (count == MaxPlaces)
                {
                    yield break;
                }

                count++;
                yield return new DosePlace(cycle, day);
            }
        }
    }

    /// <summary>
    /// The place of each dose (same order as <paramref name="doses"/>, which must be ordered by start); null for a dose
    /// after the protocol's last place, or after a physician's place the protocol does not have.
    /// </summary>
    public static IReadOnlyList<DosePlace?> Assign(Protocol protocol, IReadOnlyList<SequencedDose> doses)
    {
        ArgumentNullException.ThrowIfNull(doses);
        var places = Places(protocol).ToList();
        var result = new List<DosePlace?>(doses.Count);
        int? previous = null;
        for (var i = 0; i < doses.Count; i++)
        {
            int? index;
            if (doses[i].PhysicianPlace is { } fixedPlace)
            {
                var found = places.IndexOf(fixedPlace);
                index = found >= 0 ? found : null;
                result.Add(fixedPlace);
            }
            else
            {
                index = previous is { } p ? p + 1 : i == 0 ? 0 : null;
                result.Add(index is { } n && n < places.Count ? places[n] : null);
            }

            previous = index;
        }

        return result;
    }
}
