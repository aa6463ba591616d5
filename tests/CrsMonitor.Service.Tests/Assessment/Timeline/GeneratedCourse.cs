using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// A random but clinically shaped course for the equivalence tests: vital-sign rounds every 20–40 minutes with spells of
/// fever, low blood pressure and hypoxia on oxygen, neuro checks with ICE drops, a premedicated protocol dose,
/// antipyretics, tocilizumab, a vasopressor infusion (stopped or still running), fluid boluses, clinician attributions,
/// and a child's birthday that switches CAPD to ICE. Then how it arrives: mostly in time order, some resources hours
/// late, some corrected (a new version with other values) or retracted (a new version without readings).
/// </summary>
internal static class GeneratedCourse
{
    /// <summary>A patient who turns 12 on day 2 of every course (ICANS-AGE: CAPD before, ICE from then).</summary>
    public static readonly DateOnly ChildBirthDate = DateOnly.FromDateTime(TimelineCourse.T0.UtcDateTime).AddDays(1).AddYears(-12);

    public static List<Reading> Readings(int seed, double hours)
    {
        var r = new Random(seed);
        var c = new TimelineCourse();
        double Minute(double h) => Math.Round(h * 60) / 60;
        var feverUntil = -1.0;
        var lowBpUntil = -1.0;
        var hypoxicUntil = -1.0;
        for (var h = 0.0; h < hours; h = Minute(h + ((20 + r.Next(21)) / 60.0)))
        {
            if (r.NextDouble() < 0.04)
            {
                feverUntil = h + (r.Next(2, 14) * 0.5);
            }

            if (r.NextDouble() < 0.03)
            {
                lowBpUntil = h + r.Next(1, 8);
            }

            if (r.NextDouble() < 0.02)
            {
                hypoxicUntil = h + r.Next(1, 6);
                c.Oxygen(h, r.NextDouble() < 0.7 ? "nasal-cannula" : "high-flow-nasal-cannula", r.Next(1, 9));
            }
            else if (h > hypoxicUntil && hypoxicUntil > 0 && r.NextDouble() < 0.5)
            {
                c.RoomAir(h, spo2: 93 + r.Next(6));
                hypoxicUntil = -1;
            }

            if (r.NextDouble() < 0.9)
            {
                c.Temperature(h, h < feverUntil ? 38.0m + (r.Next(0, 25) / 10m) : 36.2m + (r.Next(0, 17) / 10m));
            }

            if (r.NextDouble() < 0.8)
            {
                c.Systolic(h, h < lowBpUntil ? 72 + r.Next(18) : 95 + r.Next(40));
            }

            if (r.NextDouble() < 0.8)
            {
                c.Spo2(h, h < hypoxicUntil ? 85 + r.Next(6) : 92 + r.Next(8), onRoomAir: hypoxicUntil < 0 && r.NextDouble() < 0.5);
            }

            if (r.NextDouble() < 0.02)
            {
                c.Medication(h, "acetaminophen", "antipyretic");
            }

            if (r.NextDouble() < 0.01)
            {
                c.Medication(h, "tocilizumab", "anti-cytokine");
            }

            if (r.NextDouble() < 0.015)
            {
                c.Medication(h, "sodium-chloride-0.9", "fluid-bolus", endH: h + 0.5);
            }

            if (r.NextDouble() < 0.01)
            {
                c.Medication(h, "norepinephrine", "vasopressor", endH: r.NextDouble() < 0.6 ? h + r.Next(1, 10) : double.NaN);
            }

            if (r.NextDouble() < 0.008)
            {
                c.Clinician(h, "fever-attributed-other-cause", r.Next(2));
            }

            if (r.NextDouble() < 0.005)
            {
                c.Clinician(h, "hypotension-attributed-other-cause", r.Next(2));
            }
        }

        c.Medication(0.5, "dexamethasone", "corticosteroid").Medication(1, "tarlatamab", "protocol-drug", endH: 2);
        c.Medication(hours * 0.6, "dexamethasone", "corticosteroid").Medication(Minute((hours * 0.6) + 2), "tarlatamab", "protocol-drug", endH: Minute((hours * 0.6) + 3));
        for (var h = 0.0; h < hours; h = Minute(h + r.Next(3, 13)))
        {
            if (r.NextDouble() < 0.5)
            {
                c.Ice(h, r.NextDouble() < 0.7 ? 10 : r.Next(3, 10));
            }
            else
            {
                c.NeuroCheck(h, $$"""{"capdScore":{{(r.NextDouble() < 0.7 ? r.Next(0, 6) : r.Next(9, 20))}}}""");
            }
        }

        return c.Readings;
    }

    /// <summary>One write: a resource version's readings (none: retracted) and when it arrives.</summary>
    internal sealed record Arrival(DateTimeOffset At, string SourceType, string SourceId, IReadOnlyList<Reading> Readings);

    /// <summary>The resources of <paramref name="readings"/> in arrival order, with late arrivals, corrections and retractions.</summary>
    public static IReadOnlyList<Arrival> Arrivals(int seed, IReadOnlyList<Reading> readings)
    {
        var r = new Random(seed * 7919);
        var arrivals = new List<Arrival>();
        foreach (var resource in readings.GroupBy(x => (x.Source.ResourceType, x.Source.ResourceId)))
        {
            var list = resource.ToList();
            var taken = list.Min(x => x.EffectiveAt);
            var delay = r.NextDouble() < 0.1 ? TimeSpan.FromMinutes(r.Next(60, 30 * 60)) : TimeSpan.FromSeconds(r.Next(0, 120));
            arrivals.Add(new Arrival(taken + delay, resource.Key.ResourceType, resource.Key.ResourceId, list));
            var roll = r.NextDouble();
            if (roll < 0.04)
            {
                // Corrected later: version 2 with other values (a temperature 1 °C higher, a pressure 20 lower...).
                var corrected = list.Select(x => x with { Value = x.Value + (x.Kind == ReadingKind.SystolicBp ? -20 : 1), Source = x.Source with { VersionId = 2 } }).ToList();
                arrivals.Add(new Arrival(taken + delay + TimeSpan.FromMinutes(r.Next(5, 600)), resource.Key.ResourceType, resource.Key.ResourceId, corrected));
            }
            else if (roll < 0.07)
            {
                arrivals.Add(new Arrival(taken + delay + TimeSpan.FromMinutes(r.Next(5, 600)), resource.Key.ResourceType, resource.Key.ResourceId, []));
            }
        }

        return [.. arrivals.OrderBy(a => a.At).ThenBy(a => a.SourceId, StringComparer.Ordinal)];
    }
}
