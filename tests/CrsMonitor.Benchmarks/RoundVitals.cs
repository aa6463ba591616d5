using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>One vital sign of a monitor's round: its LOINC code and name, its UCUM unit, and the value the n-th round gives it.</summary>
public sealed record RoundVital(string Loinc, string Name, string Ucum, string UcumDisplay, Func<long, decimal> Value)
{
    public string ValueText(long variation) => Value(variation).ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The vital signs the MLLP scenario sends both ways (issue 15): a monitor's round of temperature, heart rate, SpO2 and
/// systolic pressure, each a plain quantity, so that one FHIR Observation and one OBX carry exactly the same reading
/// (a FHIR blood-pressure panel has no one-OBX equivalent). The values vary as the ingest scenario's do (temperature up
/// to 38.4 °C: some rounds raise a fever alert, on both paths alike).
/// </summary>
public static class RoundVitals
{
    public static IReadOnlyList<RoundVital> Round { get; } =
    [
        new("8310-5", "Body temperature", "Cel", "Cel", v => 36.6m + (v * 0.3m)),
        new("8867-4", "Heart rate", "/min", "/min", v => 72m + (v * 6m)),
        new("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%", v => 98m - v),
        new("8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg", v => 128m - (v * 6m)),
    ];

    /// <summary>The variation (0–6) of the n-th message of a run spread over <paramref name="patients"/> patients.</summary>
    public static long Variation(long n, int patients) => n / patients % 7;

    /// <summary>The vital sign of the n-th single-reading message (the kinds in turn for each patient).</summary>
    public static RoundVital Nth(long n, int patients) => Round[(int)(n / patients % Round.Count)];
}
