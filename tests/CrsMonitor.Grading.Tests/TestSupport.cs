using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;
using NUnit.Framework;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// Short names for inputs, so a case reads like the vignette. Values a vignette leaves implicit are named here
/// once: <see cref="Afebrile"/> is 36.8 °C, <see cref="NormalSbp"/> is 120 mmHg, room air is
/// <see cref="RoomAir"/>; a vasopressor "running" has no end (and starts at 08:00 when the case has a time).
/// </summary>
public static class Given
{
    /// <summary>The day every timed case happens on (UTC).</summary>
    public static readonly DateTimeOffset Day = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A vignette's "afebrile" (36.8 °C).</summary>
    public static readonly Temperature Afebrile = Celsius(36.8m);

    /// <summary>A vignette's unstated blood pressure: normotensive, 120 mmHg.</summary>
    public const decimal NormalSbp = 120m;

    public static readonly OxygenSupport RoomAir = new(OxygenDevice.RoomAir);

    public static DateTimeOffset At(int hour, int minute = 0) => Day.AddHours(hour).AddMinutes(minute);

    public static Temperature Celsius(decimal value) => new(value, TemperatureUnit.Celsius);

    public static Temperature Fahrenheit(decimal value) => new(value, TemperatureUnit.Fahrenheit);

    public static OxygenSupport Cannula(decimal litresPerMinute) => new(OxygenDevice.NasalCannula, litresPerMinute);

    public static OxygenSupport HighFlow(decimal litresPerMinute) => new(OxygenDevice.HighFlowNasalCannula, litresPerMinute);

    public static OxygenSupport Device(OxygenDevice device, decimal? litresPerMinute = null) => new(device, litresPerMinute);

    /// <summary>An infusion running with no end (no times: counted when the case has no assessment instant).</summary>
    public static VasoactiveInfusion Running(VasoactiveAgent agent) => new(agent);

    /// <summary>Fever 38.4 °C, normal SBP, room air: the CRS grade-1 baseline that one change then moves.</summary>
    public static CrsInput Febrile(decimal celsius = 38.4m) => new()
    {
        Temperature = Celsius(celsius),
        SystolicBpMmHg = NormalSbp,
        Oxygen = RoomAir,
    };

    /// <summary>Afebrile, normal SBP, room air.</summary>
    public static CrsInput AfebrileNormal() => new()
    {
        Temperature = Afebrile,
        SystolicBpMmHg = NormalSbp,
        Oxygen = RoomAir,
    };

    /// <summary>An adult (age 45) with the given ICE total, alert.</summary>
    public static IcansInput AdultIce(int ice, Consciousness consciousness = Consciousness.Alert) => new()
    {
        AgeYears = 45,
        IceScore = ice,
        Consciousness = consciousness,
    };

    /// <summary>ICE items: all points except the ones the arguments take away.</summary>
    public static IceItems IcePoints(
        bool year = true, bool month = true, bool city = true, bool hospital = true, int naming = 3,
        bool commands = true, bool writing = true, bool attention = true) =>
        new(year, month, city, hospital, naming, commands, writing, attention);

    public static GradeResult Grade(CrsInput input, GradingSettings? settings = null) =>
        CrsGrader.Grade(input, settings ?? GradingSettings.Default);

    public static GradeResult Grade(IcansInput input, GradingSettings? settings = null) =>
        IcansGrader.Grade(input, settings ?? GradingSettings.Default);
}

/// <summary>What a case expects: status, grade, reason, flags that must be present, rules that must fire, domains.</summary>
public sealed record Expected
{
    public required GradeStatus Status { get; init; }
    public int? Grade { get; init; }
    public string? Reason { get; init; }
    public IReadOnlyList<string> Flags { get; init; } = [];
    public IReadOnlyList<string> Rules { get; init; } = [];
    public IReadOnlyList<(string Domain, DomainStatus Status, int? Grade)> Domains { get; init; } = [];

    public static Expected Graded(int grade, params string[] rules) =>
        new() { Status = GradeStatus.Graded, Grade = grade, Rules = rules };

    public static Expected NotGradable(string reason, params string[] rules) =>
        new() { Status = GradeStatus.NotGradable, Reason = reason, Rules = rules };

    public Expected WithFlags(params string[] flags) => this with { Flags = flags };

    public Expected WithDomain(string domain, int grade) =>
        this with { Domains = [.. Domains, (domain, DomainStatus.Graded, grade)] };

    public Expected WithDomain(string domain, DomainStatus status) =>
        this with { Domains = [.. Domains, (domain, status, null)] };

    public override string ToString() =>
        Status == GradeStatus.Graded ? $"grade {Grade}" : $"not-gradable ({Reason})";
}

/// <summary>Checks a result against an <see cref="Expected"/> and the section-4 contract every result keeps.</summary>
public static class GradeAssert
{
    /// <summary>
    /// Review flags a vignette decides: a case that does not expect one of these must not carry it (C18 must not
    /// say vasopressin-monotherapy; C14 must not say hfnc-low-flow; I25 without edema must not say edema-with-haemorrhage).
    /// Other flags (incomplete-assessment, ice-age-threshold, …) are asserted by the tests about them.
    /// </summary>
    public static readonly IReadOnlySet<string> DecisiveFlags = new HashSet<string>
    {
        GradeFlags.VasopressinMonotherapy, GradeFlags.HfncLowFlow, GradeFlags.FeverMasked,
        GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview, GradeFlags.BaselineLimited,
        GradeFlags.EdemaWithHaemorrhage,
    };

    public static void Matches(GradeResult? result, Expected expected)
    {
        Assert.That(result, Is.Not.Null);
        var r = result!;
        var seen = Describe(r);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.Status, Is.EqualTo(expected.Status), seen);
            Assert.That(r.Grade, Is.EqualTo(expected.Grade), seen);
            Assert.That(r.Reason, Is.EqualTo(expected.Reason), seen);
            Assert.That(r.Flags, Is.SupersetOf(expected.Flags), seen);
            Assert.That(
                r.Flags.Where(DecisiveFlags.Contains),
                Is.EquivalentTo(expected.Flags.Where(DecisiveFlags.Contains)),
                $"decisive review flags; {seen}");
            Assert.That(r.Rules.Select(x => x.Id), Is.SupersetOf(expected.Rules), seen);
            foreach (var (domain, status, grade) in expected.Domains)
            {
                var actual = r.Domains.FirstOrDefault(d => d.Domain == domain);
                Assert.That(actual, Is.Not.Null, $"domain {domain}; {seen}");
                Assert.That(actual?.Status, Is.EqualTo(status), $"domain {domain} status; {seen}");
                Assert.That(actual?.Grade, Is.EqualTo(grade), $"domain {domain} grade; {seen}");
            }

            Contract(r, seen);
        }
    }

    /// <summary>Section 4: every result names ASTCT-2019, fires at least one rule, and says it in plain language.</summary>
    public static void Contract(GradeResult r, string? seen = null)
    {
        seen ??= Describe(r);
        Assert.That(r.System, Is.EqualTo("ASTCT-2019"), seen);
        Assert.That(r.Rules, Is.Not.Empty, seen);
        Assert.That(r.Rules.Where(x => string.IsNullOrWhiteSpace(x.Text)).Select(x => x.Id), Is.Empty, $"rules without plain-language text; {seen}");
        Assert.That(r.Grade is null, Is.EqualTo(r.Status == GradeStatus.NotGradable), $"grade null exactly when not gradable; {seen}");
        Assert.That(r.Reason is null, Is.EqualTo(r.Status == GradeStatus.Graded), $"reason exactly when not gradable; {seen}");
    }

    public static string Describe(GradeResult r) =>
        $"got {r.Status} grade={r.Grade?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} reason={r.Reason ?? "null"} "
        + $"flags=[{string.Join(", ", r.Flags)}] rules=[{string.Join(" | ", r.Rules.Select(x => x.Text))}] "
        + $"domains=[{string.Join(", ", r.Domains.Select(d => $"{d.Domain}:{d.Status}:{d.Grade}"))}]";
}
