using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Devices;

/// <summary>
/// The signals a device can be enrolled for (issue 17), each with the reading kinds that count as its data:
/// <c>temperature</c>, <c>heart-rate</c>, <c>respiratory-rate</c>, <c>spo2</c>, <c>blood-pressure</c> (a systolic or a
/// diastolic value).
/// </summary>
public static class Signals
{
    public const string Temperature = "temperature";
    public const string HeartRate = "heart-rate";
    public const string RespiratoryRate = "respiratory-rate";
    public const string Spo2 = "spo2";
    public const string BloodPressure = "blood-pressure";

    public static readonly IReadOnlyList<string> All = [Temperature, HeartRate, RespiratoryRate, Spo2, BloodPressure];

    /// <summary>The signal a reading kind belongs to; null for kinds no device streams.</summary>
    public static string? Of(ReadingKind kind) => kind switch
    {
        ReadingKind.Temperature => Temperature,
        ReadingKind.HeartRate => HeartRate,
        ReadingKind.RespiratoryRate => RespiratoryRate,
        ReadingKind.Spo2 => Spo2,
        ReadingKind.SystolicBp or ReadingKind.DiastolicBp => BloodPressure,
        _ => null,
    };

    /// <summary>The signal in words (census badge, alert text).</summary>
    public static string Words(string signal) => signal switch
    {
        Temperature => "temperature",
        HeartRate => "heart rate",
        RespiratoryRate => "respiratory rate",
        Spo2 => "SpO2",
        BloodPressure => "blood pressure",
        _ => signal,
    };
}
