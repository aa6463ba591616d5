using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Tests.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Pure;

/// <summary>
/// <see cref="CheckPlanner"/> with the shipped tarlatamab check schedule (protocols.md, "Check frequency"): vital signs
/// every 4 h and ICE every 8 h from the window's opening, strictly before its end; after a trigger ICE every 30 min for
/// 2 h, then every 4 h; a new trigger starts again at the 30-minute step; overdue 15 min after the due time.
/// </summary>
public sealed class CheckPlannerTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End24 = T.AddHours(24);

    private Protocol tarlatamab = null!;

    private CheckSchedule Checks => tarlatamab.Checks;

    [OneTimeSetUp]
    public void LoadShipped() =>
        tarlatamab = new ProtocolCatalog(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US")
            .Find("tarlatamab-us-2025-11")!.Protocol;

    [Test]
    public void Plan_TarlatamabC1D1Window_VitalsEvery4HoursIceEvery8Hours_StrictlyBeforeTheLatestEnd()
    {
        var window = tarlatamab.WindowsOf(tarlatamab.DoseAt(1, 1)!).Single(w => w.Id == "c1-observed");
        var opens = window.AnchorAt(T, T.AddHours(1));
        var ends = window.LatestEnd(T, T.AddHours(1));
        Assert.That((opens, ends), Is.EqualTo((T, End24)));

        var plan = CheckPlanner.Plan(opens, ends, Checks, []);

        Assert.That(plan.Select(s => (s.Kind, s.DueAt, s.Basis)), Is.EqualTo(new[]
        {
            (CheckKind.VitalSigns, T.AddHours(4), SlotBasis.Routine),
            (CheckKind.VitalSigns, T.AddHours(8), SlotBasis.Routine),
            (CheckKind.Ice, T.AddHours(8), SlotBasis.Routine),
            (CheckKind.VitalSigns, T.AddHours(12), SlotBasis.Routine),
            (CheckKind.VitalSigns, T.AddHours(16), SlotBasis.Routine),
            (CheckKind.Ice, T.AddHours(16), SlotBasis.Routine),
            (CheckKind.VitalSigns, T.AddHours(20), SlotBasis.Routine),
        }));
        Assert.That(plan.Where(s => s.DueAt >= ends), Is.Empty, "nothing at or after the latest end (T+24 h)");
    }

    [TestCase(new int[0])]
    [TestCase(new[] { 600 })]
    [TestCase(new[] { 600, 670 })]
    [TestCase(new[] { 0, 1380 })]
    public void Plan_EverySlot_IsOverdueAtDuePlusTheProtocolsGraceOf15Minutes(int[] triggerMinutes)
    {
        Assert.That(Checks.OverdueGraceMinutes, Is.EqualTo(15));
        var plan = CheckPlanner.Plan(T, End24, Checks, Minutes(triggerMinutes));

        Assert.That(plan, Is.Not.Empty);
        Assert.That(plan.Select(s => s.OverdueAt - s.DueAt).Distinct(), Is.EqualTo(new[] { TimeSpan.FromMinutes(15) }));
    }

    [Test]
    public void Plan_OverdueGrace_ComesFromTheProtocol()
    {
        var plan = CheckPlanner.Plan(T, End24, Checks with { OverdueGraceMinutes = 5 }, []);

        Assert.That(plan[0].DueAt, Is.EqualTo(T.AddHours(4)));
        Assert.That(plan[0].OverdueAt, Is.EqualTo(T.AddHours(4).AddMinutes(5)));
    }

    [Test]
    public void Plan_TriggerAt10Hours_Ice30MinutesFor2HoursThenEvery4Hours_RoutineIceAfterTheTriggerGone_VitalsUnchanged()
    {
        var plan = CheckPlanner.Plan(T, End24, Checks, [T.AddHours(10)]);

        Assert.That(plan.Where(s => s.Kind == CheckKind.Ice).Select(s => (s.DueAt, s.Basis)), Is.EqualTo(new[]
        {
            (T.AddHours(8), SlotBasis.Routine), // before the trigger: stays
            (T.AddHours(10.5), SlotBasis.Intensified),
            (T.AddHours(11), SlotBasis.Intensified),
            (T.AddHours(11.5), SlotBasis.Intensified),
            (T.AddHours(12), SlotBasis.Intensified),
            (T.AddHours(16), SlotBasis.Intensified), // replaces the routine T+16 h
            (T.AddHours(20), SlotBasis.Intensified),
        }));
        Assert.That(plan.Where(s => s.Kind == CheckKind.VitalSigns).Select(s => (s.DueAt, s.Basis)), Is.EqualTo(new[]
        {
            (T.AddHours(4), SlotBasis.Routine), (T.AddHours(8), SlotBasis.Routine), (T.AddHours(12), SlotBasis.Routine),
            (T.AddHours(16), SlotBasis.Routine), (T.AddHours(20), SlotBasis.Routine),
        }));
    }

    [Test]
    public void Plan_SecondTriggerInsideTheFirstIntensification_RestartsStepOne_NoSlotOfTheFirstTriggerFromTheSecondOn()
    {
        var first = T.AddHours(10);
        var second = T.AddHours(11).AddMinutes(10);

        var ice = CheckPlanner.Plan(T, End24, Checks, [first, second]).Where(s => s.Kind == CheckKind.Ice).ToList();

        Assert.That(ice.Select(s => s.DueAt), Is.EqualTo(new[]
        {
            T.AddHours(8), first.AddMinutes(30), first.AddMinutes(60),
            second.AddMinutes(30), second.AddMinutes(60), second.AddMinutes(90), second.AddMinutes(120),
            second.AddHours(6), second.AddHours(10),
        }));
        var firstTriggersGrid = new[] { T.AddHours(11.5), T.AddHours(12), T.AddHours(16), T.AddHours(20) };
        Assert.That(ice.Select(s => s.DueAt).Where(d => d >= second).Intersect(firstTriggersGrid), Is.Empty);
    }

    /// <summary>ICE due times (minutes after the opening) of a 24-hour window for the given triggers.</summary>
    [TestCase(new[] { 600 }, new[] { 480, 630, 660, 690, 720, 960, 1200 }, TestName = "Plan_Ice_TriggerAt10h")]
    [TestCase(new[] { 600, 600 }, new[] { 480, 630, 660, 690, 720, 960, 1200 }, TestName = "Plan_Ice_SameTriggerTwice_CountsOnce")]
    [TestCase(new[] { 600, 670 }, new[] { 480, 630, 660, 700, 730, 760, 790, 1030, 1270 }, TestName = "Plan_Ice_SecondTriggerAt11h10_RestartsStepOne")]
    [TestCase(new[] { 670, 600 }, new[] { 480, 630, 660, 700, 730, 760, 790, 1030, 1270 }, TestName = "Plan_Ice_TriggersInAnyOrder")]
    [TestCase(new[] { 600, 840 }, new[] { 480, 630, 660, 690, 720, 870, 900, 930, 960, 1200 }, TestName = "Plan_Ice_SecondTriggerInStepTwo_RestartsStepOne")]
    [TestCase(new[] { 0 }, new[] { 30, 60, 90, 120, 360, 600, 840, 1080, 1320 }, TestName = "Plan_Ice_TriggerAtTheOpening_NoRoutineIce")]
    [TestCase(new[] { 1320 }, new[] { 480, 960, 1350, 1380, 1410 }, TestName = "Plan_Ice_TriggerAt22h_StepOneStopsBeforeTheEnd")]
    [TestCase(new[] { 1380 }, new[] { 480, 960, 1410 }, TestName = "Plan_Ice_TriggerAt23h_OnlyOneSlotBeforeTheEnd")]
    [TestCase(new[] { -60, 1440, 1800 }, new[] { 480, 960 }, TestName = "Plan_Ice_TriggersBeforeTheOpeningOrAtOrAfterTheEnd_Ignored")]
    public void Plan_IceDueTimes(int[] triggerMinutes, int[] expectedIceMinutes)
    {
        var plan = CheckPlanner.Plan(T, End24, Checks, Minutes(triggerMinutes));

        Assert.That(MinutesOf(plan, CheckKind.Ice), Is.EqualTo(expectedIceMinutes));
        Assert.That(MinutesOf(plan, CheckKind.VitalSigns), Is.EqualTo(new[] { 240, 480, 720, 960, 1200 }), "triggers never change the vital signs");
    }

    [Test]
    public void Plan_TriggersOutsideTheWindow_SameAsNoTrigger()
    {
        var routine = CheckPlanner.Plan(T, End24, Checks, []);

        var plan = CheckPlanner.Plan(T, End24, Checks, [T.AddTicks(-1), End24, End24.AddHours(5), T.AddDays(-3)]);

        Assert.That(plan, Is.EqualTo(routine));
        Assert.That(plan.Select(s => s.Basis).Distinct(), Is.EqualTo(new[] { SlotBasis.Routine }));
    }

    [TestCase(13 * 60, new[] { 240, 480, 720 }, new[] { 480 }, TestName = "Plan_ClosedAt13h_NoSlotAfterTheClosing")]
    [TestCase(8 * 60 + 1, new[] { 240, 480 }, new[] { 480 }, TestName = "Plan_ClosedAt8h01_SlotsAt8hStay")]
    [TestCase(8 * 60, new[] { 240 }, new int[0], TestName = "Plan_ClosedAt8h_NothingAtTheClosingInstant")]
    [TestCase(4 * 60, new int[0], new int[0], TestName = "Plan_ClosedAt4h_NoSlots")]
    public void Plan_WindowClosedEarly_DropsEverySlotAtOrAfterTheEnd(int endMinutes, int[] vitalsMinutes, int[] iceMinutes)
    {
        var plan = CheckPlanner.Plan(T, T.AddMinutes(endMinutes), Checks, []);

        Assert.That(MinutesOf(plan, CheckKind.VitalSigns), Is.EqualTo(vitalsMinutes));
        Assert.That(MinutesOf(plan, CheckKind.Ice), Is.EqualTo(iceMinutes));
    }

    [Test]
    public void Plan_ClosedEarly_TriggeredIceStopsAtTheClosing()
    {
        var plan = CheckPlanner.Plan(T, T.AddHours(11), Checks, [T.AddHours(10)]);

        Assert.That(MinutesOf(plan, CheckKind.Ice), Is.EqualTo(new[] { 480, 630 }));
        Assert.That(MinutesOf(plan, CheckKind.VitalSigns), Is.EqualTo(new[] { 240, 480 }));
    }

    /// <summary>
    /// The shipped tarlatamab windows (infusion of 60 min): due times in minutes after the window's opening (the start
    /// for C1D1 and C1D8, the end of the infusion from C1D15 on). A window no longer than 4 h gets no check, and ICE
    /// (every 8 h) only falls inside the 24-hour windows.
    /// </summary>
    [TestCase(1, 1, 24 * 60, new[] { 240, 480, 720, 960, 1200 }, new[] { 480, 960 }, TestName = "Plan_TarlatamabC1D1_22To24hFromStart")]
    [TestCase(1, 8, 24 * 60, new[] { 240, 480, 720, 960, 1200 }, new[] { 480, 960 }, TestName = "Plan_TarlatamabC1D8_22To24hFromStart")]
    [TestCase(1, 15, 8 * 60, new[] { 240 }, new int[0], TestName = "Plan_TarlatamabC1D15_6To8hAfterEnd_VitalsAt4hOnly_NoIce")]
    [TestCase(2, 1, 8 * 60, new[] { 240 }, new int[0], TestName = "Plan_TarlatamabC2D1_6To8hAfterEnd_VitalsAt4hOnly_NoIce")]
    [TestCase(3, 15, 4 * 60, new int[0], new int[0], TestName = "Plan_TarlatamabC3D15_3To4hAfterEnd_NoChecks")]
    [TestCase(5, 1, 2 * 60, new int[0], new int[0], TestName = "Plan_TarlatamabC5D1_2hAfterEnd_NoChecks")]
    public void Plan_ShippedTarlatamabWindow(int cycle, int day, int lengthMinutes, int[] vitalsMinutes, int[] iceMinutes)
    {
        var start = T;
        var end = T.AddMinutes(60);
        var window = tarlatamab.WindowsOf(tarlatamab.DoseAt(cycle, day)!)[0];
        var opens = window.AnchorAt(start, end);
        var ends = window.LatestEnd(start, end);
        Assert.That(ends - opens, Is.EqualTo(TimeSpan.FromMinutes(lengthMinutes)));

        var plan = CheckPlanner.Plan(opens, ends, Checks, []);

        Assert.That(plan.Where(s => s.Kind == CheckKind.VitalSigns).Select(s => (int)(s.DueAt - opens).TotalMinutes), Is.EqualTo(vitalsMinutes));
        Assert.That(plan.Where(s => s.Kind == CheckKind.Ice).Select(s => (int)(s.DueAt - opens).TotalMinutes), Is.EqualTo(iceMinutes));
    }

    [Test]
    public void Plan_ProtocolWithoutIntensificationSteps_TriggersChangeNothing()
    {
        var checks = Checks with { Intensification = Checks.Intensification with { Steps = [] } };

        var plan = CheckPlanner.Plan(T, End24, checks, [T.AddHours(10)]);

        Assert.That(plan, Is.EqualTo(CheckPlanner.Plan(T, End24, checks, [])));
        Assert.That(MinutesOf(plan, CheckKind.Ice), Is.EqualTo(new[] { 480, 960 }));
    }

    [Test]
    public void Plan_IsOrderedByDueTimeThenVitalSignsBeforeIce()
    {
        var plan = CheckPlanner.Plan(T, End24, Checks, [T.AddHours(10)]);

        Assert.That(plan.Select(s => (s.DueAt, s.Kind)), Is.EqualTo(plan.Select(s => (s.DueAt, s.Kind)).OrderBy(x => x.DueAt).ThenBy(x => x.Kind)));
        Assert.That(plan.Count(s => s.DueAt == T.AddHours(12)), Is.EqualTo(2), "vital signs and intensified ICE both due at T+12 h");
        Assert.That(plan.Select(s => (s.Kind, s.DueAt)).Distinct().Count(), Is.EqualTo(plan.Count), "one slot per check and instant");
    }

    private static DateTimeOffset[] Minutes(int[] minutes) => [.. minutes.Select(m => T.AddMinutes(m))];

    private static int[] MinutesOf(IEnumerable<PlannedSlot> plan, CheckKind kind) =>
        [.. plan.Where(s => s.Kind == kind).Select(s => (int)(s.DueAt - T).TotalMinutes)];
}
