using System.Globalization;
using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// Builds a patient course for the timeline tests: readings placed at hours after <see cref="T0"/>, each with its own
/// source resource (an oxygen observation may carry a device and a flow, as the ingest gives them).
/// </summary>
internal sealed class TimelineCourse
{
    public const string PatientId = "pat-1";

    /// <summary>Hour 0 of every course: 2026-11-24T08:00Z.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    public static readonly PatientFacts Adult = new(PatientId, new DateOnly(1968, 3, 15));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);

    public List<Reading> Readings { get; } = [];

    public static DateTimeOffset H(double hours) => T0 + TimeSpan.FromMinutes(Math.Round(hours * 60, 3));

    public static string Iso(double hours) => H(hours).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

    public static ReadingSource Obs(string id) => new("Observation", id, 1);

    public static ReadingSource Med(string id) => new("MedicationAdministration", id, 1);

    public static ReadingSource Neuro(string id) => new("QuestionnaireResponse", id, 1);

    public TimelineCourse Temperature(double h, decimal celsius, string? id = null, string? original = null) =>
        Add(ReadingKind.Temperature, h, Obs(id ?? Next("temp")), value: celsius, original: original ?? $"{celsius.ToString(CultureInfo.InvariantCulture)} Cel");

    public TimelineCourse Systolic(double h, decimal mmHg, string? id = null) => Add(ReadingKind.SystolicBp, h, Obs(id ?? Next("bp")), value: mmHg);

    public TimelineCourse RoomAir(double h, string? id = null, decimal? spo2 = null)
    {
        var source = Obs(id ?? Next("o2"));
        Add(ReadingKind.OxygenDevice, h, source, code: "room-air");
        return spo2 is { } s ? Add(ReadingKind.Spo2, h, source, value: s, code: "room-air", sequence: 1) : this;
    }

    /// <summary>An oxygen observation: the device and, when given, its flow (one resource, sequences 0 and 1).</summary>
    public TimelineCourse Oxygen(double h, string device, decimal? flow = null, string? qualifier = null, string? id = null)
    {
        var source = Obs(id ?? Next("o2"));
        Add(ReadingKind.OxygenDevice, h, source, code: device, qualifier: qualifier);
        return flow is { } f ? Add(ReadingKind.OxygenFlow, h, source, value: f, sequence: 1) : this;
    }

    public TimelineCourse Flow(double h, decimal litres, string? id = null) => Add(ReadingKind.OxygenFlow, h, Obs(id ?? Next("flow")), value: litres);

    public TimelineCourse Spo2(double h, decimal percent, bool onRoomAir, string? id = null) =>
        Add(ReadingKind.Spo2, h, Obs(id ?? Next("spo2")), value: percent, code: onRoomAir ? "room-air" : null);

    /// <summary>A medication: drug key and class; <paramref name="endH"/> null for a single dose (end = start), NaN for a running infusion.</summary>
    public TimelineCourse Medication(double h, string drug, string drugClass, double? endH = null, string? id = null) =>
        Add(ReadingKind.Medication, h, Med(id ?? Next(drug)), code: drug, qualifier: drugClass,
            end: endH is { } e ? (double.IsNaN(e) ? null : H(e)) : H(h));

    public TimelineCourse Ice(double h, int score, string consciousness = "alert", string? id = null) =>
        NeuroCheck(h, $$"""{"iceScore":{{score}},"consciousness":"{{consciousness}}"}""", id);

    public TimelineCourse NeuroCheck(double h, string detail, string? id = null) =>
        Add(ReadingKind.NeuroCheck, h, Neuro(id ?? Next("neuro")), detail: detail);

    public TimelineCourse Clinician(double h, string code, decimal value, string? id = null) =>
        Add(ReadingKind.ClinicianInput, h, Obs(id ?? Next(code)), value: value, code: code);

    public Timeline Compute(PatientFacts? patient = null, ContinuousGradingSettings? settings = null) =>
        GradeTimeline.Compute(patient ?? Adult, Readings, GradingSettings.Default, settings ?? new ContinuousGradingSettings());

    public (GradePoint Crs, GradePoint Icans) At(double h, PatientFacts? patient = null, ContinuousGradingSettings? settings = null) =>
        At(H(h), patient, settings);

    public (GradePoint Crs, GradePoint Icans) At(DateTimeOffset at, PatientFacts? patient = null, ContinuousGradingSettings? settings = null) =>
        GradeTimeline.At(patient ?? Adult, Readings, at, GradingSettings.Default, settings ?? new ContinuousGradingSettings());

    /// <summary>A point as one line: <c>crs 2026-11-24T22:00Z graded 1 [] &lt;- Observation/temp-5</c>.</summary>
    public static string Line(GradePoint p) =>
        $"{p.Scale.Code()} {p.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture)} "
        + $"{Vocabulary.GradeStatus.Code(p.Result.Status)} {(p.Result.Grade?.ToString(CultureInfo.InvariantCulture) ?? p.Result.Reason)} "
        + $"[{string.Join(",", p.Result.Flags)}] <- {string.Join(" ", p.Cause.Select(c => $"{c.ResourceType}/{c.ResourceId}"))}";

    /// <summary>Status, grade or reason, and flags: what makes a new timeline point.</summary>
    public static string Describe(GradeResult r) => $"{Vocabulary.GradeStatus.Code(r.Status)} {r.Grade?.ToString(CultureInfo.InvariantCulture) ?? r.Reason} [{string.Join(",", r.Flags)}]";

    public static string Describe(GradePoint p) => Describe(p.Result);

    public static string Serialise(Timeline timeline) => JsonSerializer.Serialize(timeline, Json);

    private string Next(string prefix)
    {
        counters[prefix] = counters.GetValueOrDefault(prefix) + 1;
        return $"{prefix}-{counters[prefix]}";
    }

    private TimelineCourse Add(
        ReadingKind kind, double h, ReadingSource source, decimal? value = null, string? code = null, string? qualifier = null,
        string? original = null, string? detail = null, DateTimeOffset? end = null, int sequence = 0)
    {
        Readings.Add(new Reading
        {
            PatientId = PatientId,
            Kind = kind,
            EffectiveAt = H(h),
            EndAt = end,
            Value = value,
            OriginalValue = original,
            Code = code,
            Qualifier = qualifier,
            Detail = ReadingDetail.Of(detail),
            Source = source,
            Sequence = sequence,
        });
        return this;
    }
}
