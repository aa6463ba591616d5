namespace CrsMonitor.Benchmarks;

/// <summary>A signal a home patient's devices stream, and how often (issue 17: wearable temperature every 2 minutes,
/// heart rate, SpO2 and respiratory rate every minute, blood pressure from a cuff a few times a day).</summary>
public sealed record HomeSignal(VitalSign? Sign, string Key, TimeSpan Every)
{
    public static IReadOnlyList<HomeSignal> All { get; } =
    [
        new(VitalSign.Temperature, "temperature", TimeSpan.FromMinutes(2)),
        new(VitalSign.HeartRate, "heart-rate", TimeSpan.FromMinutes(1)),
        new(VitalSign.SpO2, "spo2", TimeSpan.FromMinutes(1)),
        new(VitalSign.RespiratoryRate, "respiratory-rate", TimeSpan.FromMinutes(1)),
        new(null, "blood-pressure", TimeSpan.FromHours(6)),
    ];

    /// <summary>Readings per minute of one patient at the real rates.</summary>
    public static double PerPatientPerMinute => All.Sum(s => 1.0 / s.Every.TotalMinutes);
}

/// <summary>One reading to send: when (seconds from the phase's start), whose, which signal.</summary>
public readonly record struct PlannedReading(double AtSeconds, int Patient, HomeSignal Signal);

/// <summary>
/// The open-loop send plan of one phase: every patient's every signal at its cadence divided by the speed-up, each
/// stream starting at its own offset (seeded, so runs compare), in time order. A speed-up of 4 sends what 4 patients
/// at the real rates would: the same stream shape, denser.
/// </summary>
public static class HomeStreamPlan
{
    public static IReadOnlyList<PlannedReading> Phase(int patients, double speedup, TimeSpan length, int seed)
    {
        var random = new Random(seed);
        var plan = new List<PlannedReading>();
        for (var p = 0; p < patients; p++)
        {
            foreach (var signal in HomeSignal.All)
            {
                var every = signal.Every.TotalSeconds / speedup;
                for (var at = random.NextDouble() * every; at < length.TotalSeconds; at += every)
                {
                    plan.Add(new PlannedReading(at, p, signal));
                }
            }
        }

        plan.Sort((a, b) => a.AtSeconds.CompareTo(b.AtSeconds));
        return plan;
    }
}
