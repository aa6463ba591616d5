using System.Globalization;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Tests.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Pure;

/// <summary>
/// <see cref="SlotMatcher"/>: a slot due at D takes readings from D − early tolerance (30 min, at most half the gap to
/// the previous slot of its kind) up to where the next slot's span starts; vital signs need a temperature, a systolic
/// BP and an SpO2 in the span, ICE a neuro check.
/// </summary>
public sealed class SlotMatcherTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Early = new MonitoringSettings().EarlyTolerance;

    /// <summary>Vital-signs slots of a 24-hour window: T+4, 8, 12, 16, 20 h.</summary>
    private static readonly DateTimeOffset[] VitalsDue = [.. new[] { 4, 8, 12, 16, 20 }.Select(h => T.AddHours(h))];

    /// <summary>ICE slots of a 24-hour window with a trigger at T+10 h: T+8 h, then 10:30, 11:00, 11:30, 12:00, 16:00, 20:00.</summary>
    private static readonly DateTimeOffset[] IceDue = [.. new[] { 480, 630, 660, 690, 720, 960, 1200 }.Select(m => T.AddMinutes(m))];

    private Protocol tarlatamab = null!;

    [OneTimeSetUp]
    public void LoadShipped() =>
        tarlatamab = new ProtocolCatalog(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US")
            .Find("tarlatamab-us-2025-11")!.Protocol;

    [Test]
    public void EarlyTolerance_DefaultsTo30Minutes() => Assert.That(Early, Is.EqualTo(TimeSpan.FromMinutes(30)));

    [Test]
    public void DueTimesUsedHere_AreThePlannersForTarlatamab()
    {
        var plan = CheckPlanner.Plan(T, T.AddHours(24), tarlatamab.Checks, [T.AddHours(10)]);

        Assert.That(plan.Where(s => s.Kind == CheckKind.VitalSigns).Select(s => s.DueAt), Is.EqualTo(VitalsDue));
        Assert.That(plan.Where(s => s.Kind == CheckKind.Ice).Select(s => s.DueAt), Is.EqualTo(IceDue));
    }

    [TestCase(new[] { ReadingKind.Temperature, ReadingKind.SystolicBp, ReadingKind.Spo2 }, true)]
    [TestCase(new[] { ReadingKind.Spo2, ReadingKind.Temperature, ReadingKind.SystolicBp, ReadingKind.HeartRate }, true)]
    [TestCase(new[] { ReadingKind.Temperature, ReadingKind.SystolicBp }, false)]
    [TestCase(new[] { ReadingKind.Temperature, ReadingKind.Spo2 }, false)]
    [TestCase(new[] { ReadingKind.SystolicBp, ReadingKind.Spo2 }, false)]
    [TestCase(new[] { ReadingKind.Temperature, ReadingKind.DiastolicBp, ReadingKind.Spo2, ReadingKind.HeartRate, ReadingKind.RespiratoryRate }, false)]
    [TestCase(new[] { ReadingKind.Temperature, ReadingKind.SystolicBp, ReadingKind.OxygenFlow, ReadingKind.FiO2 }, false)]
    [TestCase(new[] { ReadingKind.NeuroCheck }, false)]
    public void Match_VitalSigns_DoneOnlyWithTemperatureSystolicBpAndSpo2(ReadingKind[] kinds, bool done)
    {
        var readings = kinds.Select((k, i) => Read(k, T.AddHours(4).AddMinutes(i), $"r{i}")).ToList();

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, readings, Early);

        Assert.That(result[0] is not null, Is.EqualTo(done));
        Assert.That(result.Skip(1), Is.All.Null);
    }

    [Test]
    public void Match_VitalSigns_ThreeKindsInDifferentSpans_NotDone()
    {
        Reading[] readings =
        [
            Read(ReadingKind.Temperature, T.AddHours(4), "t"),
            Read(ReadingKind.SystolicBp, T.AddHours(4), "bp"),
            Read(ReadingKind.Spo2, T.AddHours(8), "s"), // in the next slot's span
        ];

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, readings, Early);

        Assert.That(result, Is.All.Null);
    }

    /// <summary>
    /// One set of vital signs at T + <paramref name="minutes"/>: the slot (index in T+4, 8, 12, 16, 20 h) it counts for,
    /// -1 for none. Spans: [3:30, 7:30), [7:30, 11:30), [11:30, 15:30), [15:30, 19:30), [19:30, ∞).
    /// </summary>
    [TestCase(220, 0, TestName = "Match_Vitals_20MinutesEarly_CountsForThatSlot")]
    [TestCase(210, 0, TestName = "Match_Vitals_Exactly30MinutesEarly_CountsForThatSlot")]
    [TestCase(209, -1, TestName = "Match_Vitals_31MinutesEarlyForTheFirstSlot_CountsForNothing")]
    [TestCase(200, -1, TestName = "Match_Vitals_40MinutesEarlyForTheFirstSlot_CountsForNothing")]
    [TestCase(240, 0, TestName = "Match_Vitals_AtTheDueTime_CountsForThatSlot")]
    [TestCase(300, 0, TestName = "Match_Vitals_AnHourLate_CountsForThatSlot")]
    [TestCase(449, 0, TestName = "Match_Vitals_31MinutesEarlyForTheSecondSlot_IsALateCheckForTheFirst")]
    [TestCase(440, 0, TestName = "Match_Vitals_40MinutesEarlyForTheSecondSlot_IsALateCheckForTheFirst")]
    [TestCase(450, 1, TestName = "Match_Vitals_Exactly30MinutesEarlyForTheSecondSlot_CountsForIt")]
    [TestCase(480, 1, TestName = "Match_Vitals_AtTheSecondDueTime_CountsForTheSecond")]
    [TestCase(1170, 4, TestName = "Match_Vitals_30MinutesEarlyForTheLastSlot_CountsForIt")]
    [TestCase(1500, 4, TestName = "Match_Vitals_AfterTheLastSlot_IsALateCheckForIt")]
    public void Match_Vitals_OneSetCountsForTheSlotWhoseSpanHoldsIt(int minutes, int slot)
    {
        var at = T.AddMinutes(minutes);

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, Vitals(at, "v"), Early);

        var expected = VitalsDue.Select((_, i) => i == slot ? at : (DateTimeOffset?)null).ToArray();
        Assert.That(result.Select(r => r?.At), Is.EqualTo(expected));
    }

    [Test]
    public void Match_Vitals_40MinutesEarly_WhenThePreviousSlotIsDone_CountsForNeither()
    {
        var readings = Vitals(T.AddHours(4), "on-time").Concat(Vitals(T.AddHours(8).AddMinutes(-40), "early")).ToList();

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, readings, Early);

        Assert.That(result[0], Is.EqualTo(new SlotDone(T.AddHours(4), "Observation/on-time-t, Observation/on-time-bp, Observation/on-time-s")));
        Assert.That(result[1], Is.Null, "40 minutes early is outside the 30-minute tolerance of the T+8 h slot");
    }

    [Test]
    public void Match_Vitals_DoneAtTheLatestOfTheThree_DoneByListsTheirSources()
    {
        Reading[] readings =
        [
            Read(ReadingKind.Spo2, T.AddHours(4).AddMinutes(10), "spo2-1"),
            Read(ReadingKind.Temperature, T.AddHours(4).AddMinutes(-10), "temp-1"),
            Read(ReadingKind.SystolicBp, T.AddHours(4).AddMinutes(5), "bp-1"),
            Read(ReadingKind.HeartRate, T.AddHours(4).AddMinutes(20), "hr-1"),
        ];

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, readings, Early);

        Assert.That(result[0], Is.EqualTo(new SlotDone(T.AddHours(4).AddMinutes(10), "Observation/temp-1, Observation/bp-1, Observation/spo2-1")));
    }

    [Test]
    public void Match_Vitals_FirstReadingOfEachKindInTheSpanCounts()
    {
        Reading[] readings =
        [
            Read(ReadingKind.Temperature, T.AddHours(4).AddMinutes(40), "temp-late"),
            Read(ReadingKind.Temperature, T.AddHours(4).AddMinutes(-15), "temp-early"),
            Read(ReadingKind.SystolicBp, T.AddHours(4), "bp"),
            Read(ReadingKind.Spo2, T.AddHours(4).AddMinutes(1), "spo2"),
            Read(ReadingKind.Spo2, T.AddHours(5), "spo2-again"),
        ];

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, readings, Early);

        Assert.That(result[0], Is.EqualTo(new SlotDone(T.AddHours(4).AddMinutes(1), "Observation/temp-early, Observation/bp, Observation/spo2")));
    }

    [Test]
    public void Match_Vitals_OneObservationGivingAllThree_DoneByNamesItOnce()
    {
        Reading[] readings =
        [
            Read(ReadingKind.Temperature, T.AddHours(8), "panel"),
            Read(ReadingKind.SystolicBp, T.AddHours(8), "panel") with { Sequence = 1 },
            Read(ReadingKind.Spo2, T.AddHours(8), "panel") with { Sequence = 2 },
        ];

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, readings, Early);

        Assert.That(result.Select(r => r?.By), Is.EqualTo(new[] { null, "Observation/panel", null, null, null }));
    }

    [Test]
    public void Match_Vitals_EverySlotOnTime_EachDoneByItsOwnSet()
    {
        var readings = VitalsDue.SelectMany((d, i) => Vitals(d.AddMinutes(5), $"set{i}")).ToList();

        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, readings, Early);

        Assert.That(result.Select(r => r?.At), Is.EqualTo(VitalsDue.Select(d => (DateTimeOffset?)d.AddMinutes(5))));
        Assert.That(result.Select(r => r!.By.Split(", ")[0]), Is.EqualTo(VitalsDue.Select((_, i) => $"Observation/set{i}-t")));
    }

    /// <summary>
    /// One neuro check at T + <paramref name="minutes"/>: the ICE slot (index in 8:00, 10:30, 11:00, 11:30, 12:00,
    /// 16:00, 20:00) it counts for. Between 30-minute slots the tolerance is half the gap, 15 min: spans [7:30, 10:00),
    /// [10:00, 10:45), [10:45, 11:15), [11:15, 11:45), [11:45, 15:30), [15:30, 19:30), [19:30, ∞).
    /// </summary>
    [TestCase(660, 2, TestName = "Match_Ice30MinSlots_CheckExactlyAtADueTime_CountsForThatSlotNotTheNext")]
    [TestCase(690, 3, TestName = "Match_Ice30MinSlots_CheckExactlyAt11h30_CountsFor11h30")]
    [TestCase(675, 3, TestName = "Match_Ice30MinSlots_15MinutesEarly_CountsForTheSlot")]
    [TestCase(674, 2, TestName = "Match_Ice30MinSlots_16MinutesEarly_IsALateCheckForThePrevious")]
    [TestCase(645, 2, TestName = "Match_Ice30MinSlots_15MinutesEarlyFor11h_CountsFor11h")]
    [TestCase(644, 1, TestName = "Match_Ice30MinSlots_14MinutesLateFor10h30_CountsFor10h30")]
    [TestCase(720, 4, TestName = "Match_Ice30MinSlots_AtTheLast30MinuteSlot_CountsForIt")]
    [TestCase(800, 4, TestName = "Match_Ice_LateFor12h_CountsFor12h")]
    [TestCase(930, 5, TestName = "Match_Ice4HourStep_30MinutesEarly_CountsForIt")]
    [TestCase(929, 4, TestName = "Match_Ice4HourStep_31MinutesEarly_IsALateCheckForThePrevious")]
    [TestCase(450, 0, TestName = "Match_IceRoutine_30MinutesEarly_CountsForIt")]
    [TestCase(449, -1, TestName = "Match_IceRoutine_31MinutesEarlyForTheFirstSlot_CountsForNothing")]
    [TestCase(599, 0, TestName = "Match_IceRoutine_LateCheck_CountsForTheRoutineSlot")]
    public void Match_Ice_OneCheckCountsForTheSlotWhoseSpanHoldsIt(int minutes, int slot)
    {
        var at = T.AddMinutes(minutes);

        var result = SlotMatcher.Match(CheckKind.Ice, IceDue, T, [Neuro(at, "n1", 9)], Early);

        var expected = IceDue.Select((_, i) => i == slot ? at : (DateTimeOffset?)null).ToArray();
        Assert.That(result.Select(r => r?.At), Is.EqualTo(expected));
        Assert.That(result.Where(r => r is not null).Select(r => r!.By), Is.EqualTo(slot < 0 ? Array.Empty<string>() : ["Observation/n1"]));
    }

    [Test]
    public void Match_Ice_NeedsANeuroCheck_VitalSignsDoNotDoIt()
    {
        var result = SlotMatcher.Match(CheckKind.Ice, IceDue, T, Vitals(T.AddHours(8), "v"), Early);

        Assert.That(result, Is.All.Null);
    }

    [Test]
    public void Match_Ice_ChecksEvery30MinutesOnTime_EachSlotDoneByItsOwnCheck()
    {
        var readings = IceDue.Select((d, i) => Neuro(d, $"n{i}", 8)).ToList();

        var result = SlotMatcher.Match(CheckKind.Ice, IceDue, T, readings, Early);

        Assert.That(result.Select(r => r?.By), Is.EqualTo(IceDue.Select((_, i) => $"Observation/n{i}")));
        Assert.That(result.Select(r => r?.At), Is.EqualTo(IceDue.Select(d => (DateTimeOffset?)d)));
    }

    /// <summary>
    /// After an ICE drop at T+10 h (the routine check at T+8 h scored 10, the one at T+10 h 8) the protocol asks for ICE
    /// every 30 min: the first recheck is due at T+10:30. The check that showed the drop cannot also be that recheck:
    /// otherwise nothing is asked until T+11:00, an hour after the drop.
    /// </summary>
    [Test]
    public void Match_IceDrop_TheCheckThatShowedTheDrop_DoesNotDoTheFirst30MinuteRecheck()
    {
        Reading[] readings = [Neuro(T.AddHours(8), "routine", 10), Neuro(T.AddHours(10), "drop", 8)];
        var triggers = MonitoringProcessor.IntensificationTriggers(tarlatamab, [], readings);
        Assert.That(triggers, Is.EqualTo(new[] { T.AddHours(10) }));
        var due = CheckPlanner.Plan(T, T.AddHours(24), tarlatamab.Checks, triggers).Where(s => s.Kind == CheckKind.Ice).Select(s => s.DueAt).ToList();
        Assert.That(due[1], Is.EqualTo(T.AddHours(10.5)));

        var result = SlotMatcher.Match(CheckKind.Ice, due, T, readings, Early, triggers, T.AddHours(24));

        Assert.That(result[0], Is.EqualTo(new SlotDone(T.AddHours(8), "Observation/routine")));
        Assert.That(result[1], Is.Null, "the T+10:30 recheck is still to be done after the drop at T+10:00");
    }

    [Test]
    public void Match_LastSlot_TakesNothingAfterTheWindowsEnd()
    {
        var end = VitalsDue[^1].AddHours(4);
        var result = SlotMatcher.Match(CheckKind.VitalSigns, VitalsDue, T, Vitals(end.AddHours(150), "next-dose"), Early, [], end);
        Assert.That(result, Has.All.Null, "a reading at the next dose does not do the last check of an old window");
    }

    [Test]
    public void Match_NoSlots_NoResults() =>
        Assert.That(SlotMatcher.Match(CheckKind.VitalSigns, [], T, Vitals(T.AddHours(4), "v"), Early), Is.Empty);

    private static Reading Read(ReadingKind kind, DateTimeOffset at, string id) =>
        new() { PatientId = "p1", Kind = kind, EffectiveAt = at, Source = new ReadingSource("Observation", id, 1) };

    private static Reading[] Vitals(DateTimeOffset at, string id) =>
    [
        Read(ReadingKind.Temperature, at, $"{id}-t"), Read(ReadingKind.SystolicBp, at, $"{id}-bp"), Read(ReadingKind.Spo2, at, $"{id}-s"),
    ];

    private static Reading Neuro(DateTimeOffset at, string id, int ice) =>
        Read(ReadingKind.NeuroCheck, at, id) with { Detail = ReadingDetail.Of(string.Create(CultureInfo.InvariantCulture, $$"""{"iceScore": {{ice}}}""")) };
}
