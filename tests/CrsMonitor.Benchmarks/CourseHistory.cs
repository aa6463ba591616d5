namespace CrsMonitor.Benchmarks;

/// <summary>The vital signs a wearable sends.</summary>
public enum VitalSign
{
    HeartRate,
    SpO2,
    RespiratoryRate,
    Temperature,
}

/// <summary>One reading as the wearable measured it.</summary>
public sealed record VitalSample(VitalSign Sign, DateTimeOffset At, decimal Value);

/// <summary>
/// A continuous-monitoring course as a wearable records it (issue 12): heart rate, SpO2 and respiratory rate every
/// minute, temperature every 2 minutes, so 7 readings every 2 minutes (80,000 readings are about 16 days). Values follow
/// a day-night rhythm with noise and are normal, except one fever early in a course that spans at least 36 hours
/// (38.2–38.8 °C for 4 hours from hour 3, with tachycardia): a CRS episode that opened and closed long before the
/// measured writes, as after a step-up dose. Deterministic for a seed.
/// </summary>
public sealed class CourseHistory
{
    /// <summary>The order of the signals within 2 minutes (the temperature with the first minute's).</summary>
    public static readonly IReadOnlyList<VitalSign> Cycle =
        [VitalSign.HeartRate, VitalSign.SpO2, VitalSign.RespiratoryRate, VitalSign.Temperature, VitalSign.HeartRate, VitalSign.SpO2, VitalSign.RespiratoryRate];

    private static readonly TimeSpan FeverFrom = TimeSpan.FromHours(3);
    private static readonly TimeSpan FeverFor = TimeSpan.FromHours(4);
    private static readonly TimeSpan FeverOnlyIfCourseSpans = TimeSpan.FromHours(36);

    private readonly Random random;
    private readonly DateTimeOffset start;
    private readonly bool fever;

    /// <summary>A course of <paramref name="count"/> readings whose last reading is at most 2 minutes before <paramref name="end"/>.</summary>
    public CourseHistory(int count, DateTimeOffset end, int seed)
    {
        Count = count;
        random = new Random(seed);
        var cycles = (count + Cycle.Count - 1) / Cycle.Count;
        start = end - TimeSpan.FromMinutes(2 * cycles);
        fever = end - start >= FeverOnlyIfCourseSpans;
    }

    public int Count { get; }

    /// <summary>When the course began (its first reading); equal to the end for an empty course.</summary>
    public DateTimeOffset Start => start;

    /// <summary>Whether the course has the early fever.</summary>
    public bool HasFever => fever;

    /// <summary>The readings in time order (the wearable sends them so).</summary>
    public IEnumerable<VitalSample> Readings()
    {
        for (var i = 0; i < Count; i++)
        {
            var cycle = i / Cycle.Count;
            var slot = i % Cycle.Count;
            var minute = (2 * cycle) + (slot < 4 ? 0 : 1);
            var sign = Cycle[slot];
            var at = start + TimeSpan.FromMinutes(minute) + TimeSpan.FromSeconds(sign == VitalSign.Temperature ? 20 : 5);
            yield return new VitalSample(sign, at, Value(sign, at));
        }
    }

    /// <summary>The <paramref name="n"/>-th live reading, taken at <paramref name="at"/> (the signals in the wearable's order).</summary>
    public VitalSample Live(long n, DateTimeOffset at)
    {
        var sign = Cycle[(int)(n % Cycle.Count)];
        return new VitalSample(sign, at, Value(sign, at));
    }

    /// <summary>A plausible value at <paramref name="at"/>: rhythm, noise, and the early fever if the course has it.</summary>
    private decimal Value(VitalSign sign, DateTimeOffset at)
    {
        var hours = (at - start).TotalHours;
        var rhythm = Math.Sin(2 * Math.PI * (at.UtcDateTime.TimeOfDay.TotalHours - 10) / 24); // highest in the afternoon
        var febrile = fever && hours >= FeverFrom.TotalHours && hours < (FeverFrom + FeverFor).TotalHours;
        double Noise(double spread) => (random.NextDouble() - 0.5) * 2 * spread;
        return sign switch
        {
            VitalSign.Temperature => Round(febrile ? 38.5 + Noise(0.3) : 36.8 + (0.3 * rhythm) + Noise(0.15), 1),
            VitalSign.HeartRate => Round((febrile ? 104 : 76) + (6 * rhythm) + Noise(5), 0),
            VitalSign.SpO2 => Round(Math.Min(100, 97 + Noise(1.6)), 0),
            _ => Round((febrile ? 20 : 15) + rhythm + Noise(2.5), 0),
        };
    }

    private static decimal Round(double value, int decimals) => Math.Round((decimal)value, decimals, MidpointRounding.AwayFromZero);
}
