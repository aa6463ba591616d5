using System.Globalization;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Tests.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Pure;

/// <summary>
/// Windows and check slots are elapsed time: a daylight-saving change inside a window moves nothing. New York, 2026:
/// clocks go forward on 8 March at 02:00 EST (07:00Z) and back on 1 November at 02:00 EDT (06:00Z).
/// </summary>
public sealed class DaylightSavingTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>Tarlatamab C1D1 started 2026-03-07 14:00 EST (19:00Z), the day before clocks go forward.</summary>
    private static readonly DateTimeOffset SpringStart = new(2026, 3, 7, 14, 0, 0, TimeSpan.FromHours(-5));

    /// <summary>Tarlatamab C1D1 started 2026-10-31 14:00 EDT (18:00Z), the day before clocks go back.</summary>
    private static readonly DateTimeOffset FallStart = new(2026, 10, 31, 14, 0, 0, TimeSpan.FromHours(-4));

    private Protocol tarlatamab = null!;
    private PlannedWindow observed = null!;

    [OneTimeSetUp]
    public void LoadShipped()
    {
        tarlatamab = new ProtocolCatalog(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US")
            .Find("tarlatamab-us-2025-11")!.Protocol;
        observed = tarlatamab.WindowsOf(tarlatamab.DoseAt(1, 1)!).Single(w => w.Id == "c1-observed");
    }

    [Test]
    public void TimeZone_NewYorkOffsetsAroundTheChanges()
    {
        Assert.That(NewYork.GetUtcOffset(new DateTimeOffset(2026, 3, 8, 6, 59, 0, TimeSpan.Zero)), Is.EqualTo(TimeSpan.FromHours(-5)));
        Assert.That(NewYork.GetUtcOffset(new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero)), Is.EqualTo(TimeSpan.FromHours(-4)));
        Assert.That(NewYork.GetUtcOffset(new DateTimeOffset(2026, 11, 1, 5, 59, 0, TimeSpan.Zero)), Is.EqualTo(TimeSpan.FromHours(-4)));
        Assert.That(NewYork.GetUtcOffset(new DateTimeOffset(2026, 11, 1, 6, 0, 0, TimeSpan.Zero)), Is.EqualTo(TimeSpan.FromHours(-5)));
    }

    [Test]
    public void SpringForward_C1D1ObservedWindow_22And24HoursElapsed_23And25HoursOnTheWallClock()
    {
        var earliest = observed.EarliestEnd(SpringStart, SpringStart.AddHours(1));
        var latest = observed.LatestEnd(SpringStart, SpringStart.AddHours(1));

        Assert.That(earliest, Is.EqualTo(new DateTimeOffset(2026, 3, 8, 17, 0, 0, TimeSpan.Zero)));
        Assert.That(latest, Is.EqualTo(new DateTimeOffset(2026, 3, 8, 19, 0, 0, TimeSpan.Zero)));
        Assert.That(earliest - SpringStart, Is.EqualTo(TimeSpan.FromHours(22)));
        Assert.That(latest - SpringStart, Is.EqualTo(TimeSpan.FromHours(24)));

        Assert.That(Local(earliest), Is.EqualTo(new DateTimeOffset(2026, 3, 8, 13, 0, 0, TimeSpan.FromHours(-4))).WithSameOffset);
        Assert.That(Local(latest), Is.EqualTo(new DateTimeOffset(2026, 3, 8, 15, 0, 0, TimeSpan.FromHours(-4))).WithSameOffset);
        Assert.That(WallClock(SpringStart, earliest), Is.EqualTo(TimeSpan.FromHours(23)), "the clock jumped an hour forward");
        Assert.That(WallClock(SpringStart, latest), Is.EqualTo(TimeSpan.FromHours(25)));
    }

    [Test]
    public void FallBack_C1D1ObservedWindow_22And24HoursElapsed_21And23HoursOnTheWallClock()
    {
        var earliest = observed.EarliestEnd(FallStart, FallStart.AddHours(1));
        var latest = observed.LatestEnd(FallStart, FallStart.AddHours(1));

        Assert.That(earliest, Is.EqualTo(new DateTimeOffset(2026, 11, 1, 16, 0, 0, TimeSpan.Zero)));
        Assert.That(latest, Is.EqualTo(new DateTimeOffset(2026, 11, 1, 18, 0, 0, TimeSpan.Zero)));
        Assert.That(earliest - FallStart, Is.EqualTo(TimeSpan.FromHours(22)));
        Assert.That(latest - FallStart, Is.EqualTo(TimeSpan.FromHours(24)));

        Assert.That(Local(earliest), Is.EqualTo(new DateTimeOffset(2026, 11, 1, 11, 0, 0, TimeSpan.FromHours(-5))).WithSameOffset);
        Assert.That(Local(latest), Is.EqualTo(new DateTimeOffset(2026, 11, 1, 13, 0, 0, TimeSpan.FromHours(-5))).WithSameOffset);
        Assert.That(WallClock(FallStart, earliest), Is.EqualTo(TimeSpan.FromHours(21)), "the clock went an hour back");
        Assert.That(WallClock(FallStart, latest), Is.EqualTo(TimeSpan.FromHours(23)));
    }

    [Test]
    public void SpringForward_C1D1VitalSigns_Every4HoursElapsed_AcrossTheChange()
    {
        var vitals = PlanC1D1(SpringStart, []).Where(s => s.Kind == CheckKind.VitalSigns).Select(s => s.DueAt).ToList();

        Assert.That(vitals, Is.EqualTo(new[]
        {
            new DateTimeOffset(2026, 3, 7, 23, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 8, 3, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 8, 11, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 8, 15, 0, 0, TimeSpan.Zero),
        }));
        Assert.That(vitals.Zip(vitals.Skip(1), (a, b) => b - a), Is.All.EqualTo(TimeSpan.FromHours(4)));
        Assert.That(vitals.Select(v => Local(v).ToString("MM-dd HH:mm zzz", CultureInfo.InvariantCulture)), Is.EqualTo(new[]
        {
            "03-07 18:00 -05:00", "03-07 22:00 -05:00", "03-08 03:00 -04:00", "03-08 07:00 -04:00", "03-08 11:00 -04:00",
        }), "22:00 to 03:00 on the wall clock is 4 hours of elapsed time");
    }

    [Test]
    public void FallBack_C1D1VitalSigns_Every4HoursElapsed_AcrossTheChange()
    {
        var vitals = PlanC1D1(FallStart, []).Where(s => s.Kind == CheckKind.VitalSigns).Select(s => s.DueAt).ToList();

        Assert.That(vitals, Is.EqualTo(new[]
        {
            new DateTimeOffset(2026, 10, 31, 22, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 1, 6, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 1, 14, 0, 0, TimeSpan.Zero),
        }));
        Assert.That(vitals.Zip(vitals.Skip(1), (a, b) => b - a), Is.All.EqualTo(TimeSpan.FromHours(4)));
        Assert.That(vitals.Select(v => Local(v).ToString("MM-dd HH:mm zzz", CultureInfo.InvariantCulture)), Is.EqualTo(new[]
        {
            "10-31 18:00 -04:00", "10-31 22:00 -04:00", "11-01 01:00 -05:00", "11-01 05:00 -05:00", "11-01 09:00 -05:00",
        }), "22:00 to 01:00 on the wall clock is 4 hours of elapsed time");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void C1D1Ice_Every8HoursElapsed_AndTheLastSlotStrictlyBeforeTheLatestEnd(bool spring)
    {
        var start = spring ? SpringStart : FallStart;

        var plan = PlanC1D1(start, []);

        Assert.That(plan.Where(s => s.Kind == CheckKind.Ice).Select(s => s.DueAt), Is.EqualTo(new[] { start.AddHours(8), start.AddHours(16) }));
        Assert.That(plan, Has.Count.EqualTo(7));
        Assert.That(plan.Max(s => s.DueAt), Is.EqualTo(start.AddHours(20)));
        Assert.That(plan.Select(s => s.OverdueAt - s.DueAt), Is.All.EqualTo(TimeSpan.FromMinutes(15)));
    }

    [Test]
    public void SpringForward_IntensifiedIce_Every30MinutesElapsed_ThroughTheMissingHour()
    {
        // CRS grade 1 at 01:30 EST on 8 March (06:30Z); local 02:00-02:59 does not exist that night.
        var trigger = new DateTimeOffset(2026, 3, 8, 1, 30, 0, TimeSpan.FromHours(-5));

        var ice = PlanC1D1(SpringStart, [trigger]).Where(s => s.Kind == CheckKind.Ice && s.Basis == SlotBasis.Intensified).Select(s => s.DueAt).ToList();

        Assert.That(ice.Take(4), Is.EqualTo(new[]
        {
            new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 8, 7, 30, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 8, 8, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 8, 8, 30, 0, TimeSpan.Zero),
        }));
        Assert.That(ice.Skip(4), Is.EqualTo(new[] { new DateTimeOffset(2026, 3, 8, 12, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 8, 16, 30, 0, TimeSpan.Zero) }));
        Assert.That(Local(ice[0]).ToString("HH:mm zzz", CultureInfo.InvariantCulture), Is.EqualTo("03:00 -04:00"),
            "30 minutes after 01:30 EST is 03:00 EDT");
    }

    [Test]
    public void FallBack_IntensifiedIce_Every30MinutesElapsed_ThroughTheRepeatedHour()
    {
        // CRS grade 1 at 01:30 EDT on 1 November (05:30Z); local 01:00-01:59 happens twice that night.
        var trigger = new DateTimeOffset(2026, 11, 1, 1, 30, 0, TimeSpan.FromHours(-4));

        var ice = PlanC1D1(FallStart, [trigger]).Where(s => s.Kind == CheckKind.Ice && s.Basis == SlotBasis.Intensified).Select(s => s.DueAt).ToList();

        Assert.That(ice.Take(4).Select(d => Local(d).ToString("HH:mm zzz", CultureInfo.InvariantCulture)), Is.EqualTo(new[]
        {
            "01:00 -05:00", "01:30 -05:00", "02:00 -05:00", "02:30 -05:00",
        }), "01:30 EDT + 30 min is 01:00 EST");
        Assert.That(ice.Zip(ice.Skip(1), (a, b) => b - a).Take(3), Is.All.EqualTo(TimeSpan.FromMinutes(30)));
    }

    private IReadOnlyList<PlannedSlot> PlanC1D1(DateTimeOffset start, IReadOnlyList<DateTimeOffset> triggers) =>
        CheckPlanner.Plan(observed.AnchorAt(start, start.AddHours(1)), observed.LatestEnd(start, start.AddHours(1)), tarlatamab.Checks, triggers);

    private static DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, NewYork);

    /// <summary>The difference of the two instants' New York wall-clock readings.</summary>
    private static TimeSpan WallClock(DateTimeOffset from, DateTimeOffset to) => Local(to).DateTime - Local(from).DateTime;
}
