using System.Globalization;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Tests.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Pure;

/// <summary>
/// <see cref="MonitoringProcessor.IntensificationTriggers"/> with the shipped tarlatamab triggers (CRS ≥ 1, ICANS ≥ 1,
/// a drop in ICE): a grade rising to a triggering grade, or an ICE score lower than the previous one.
/// </summary>
public sealed class IntensificationTriggerTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private Protocol tarlatamab = null!;

    [OneTimeSetUp]
    public void LoadShipped() =>
        tarlatamab = new ProtocolCatalog(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US")
            .Find("tarlatamab-us-2025-11")!.Protocol;

    /// <summary>Grades of one scale at T+1 h, T+2 h, ...: triggers at those hours.</summary>
    [TestCase(Scale.Crs, new[] { 0, 1, 2, 1, 2 }, new[] { 2, 3, 5 }, TestName = "Triggers_Crs0To1To2To1To2_AtEachRise")]
    [TestCase(Scale.Icans, new[] { 0, 1, 2, 1, 2 }, new[] { 2, 3, 5 }, TestName = "Triggers_Icans0To1To2To1To2_AtEachRise")]
    [TestCase(Scale.Crs, new[] { 0, 0, 0 }, new int[0], TestName = "Triggers_CrsStaying0_None")]
    [TestCase(Scale.Crs, new[] { 1, 1, 1 }, new[] { 1 }, TestName = "Triggers_CrsStaying1_OnlyTheFirstRise")]
    [TestCase(Scale.Crs, new[] { 0, 2, 2, 2 }, new[] { 2 }, TestName = "Triggers_CrsStaying2_OnlyTheFirstRise")]
    [TestCase(Scale.Crs, new[] { 3, 2, 1, 0 }, new[] { 1 }, TestName = "Triggers_CrsFalling_OnlyTheFirstRise")]
    [TestCase(Scale.Crs, new[] { 1, 0, 1 }, new[] { 1, 3 }, TestName = "Triggers_CrsResolvedThenBack_TriggersAgain")]
    [TestCase(Scale.Crs, new[] { 0, 1, 3 }, new[] { 2, 3 }, TestName = "Triggers_CrsJumping1To3_Triggers")]
    public void Triggers_GradeSteps(Scale scale, int[] grades, int[] expectedHours)
    {
        var steps = grades.Select((g, i) => Step(scale, T.AddHours(i + 1), g)).ToList();

        var triggers = MonitoringProcessor.IntensificationTriggers(tarlatamab, steps, []);

        Assert.That(triggers, Is.EqualTo(expectedHours.Select(h => T.AddHours(h))));
    }

    [Test]
    public void Triggers_CrsAndIcans_CountedPerScale_OrderedAndOncePerInstant()
    {
        GradeStep[] steps =
        [
            Step(Scale.Icans, T.AddHours(5), 1),
            Step(Scale.Crs, T.AddHours(2), 1),
            Step(Scale.Crs, T.AddHours(3), 2),
            Step(Scale.Icans, T.AddHours(3), 1), // a rise of its own scale at the same instant as a CRS rise
            Step(Scale.Crs, T.AddHours(4), 2),
        ];

        var triggers = MonitoringProcessor.IntensificationTriggers(tarlatamab, steps, []);

        Assert.That(triggers, Is.EqualTo(new[] { T.AddHours(2), T.AddHours(3) }),
            "CRS rises at 2 h and 3 h; ICANS rises at 3 h (same instant, once); ICANS 1 at 5 h stays the same");
    }

    [Test]
    public void Triggers_GradeStepsInAnyOrder_ReadInTimeOrder()
    {
        GradeStep[] steps = [Step(Scale.Crs, T.AddHours(3), 1), Step(Scale.Crs, T.AddHours(1), 2), Step(Scale.Crs, T.AddHours(2), 0)];

        Assert.That(MonitoringProcessor.IntensificationTriggers(tarlatamab, steps, []), Is.EqualTo(new[] { T.AddHours(1), T.AddHours(3) }));
    }

    /// <summary>Only rises to a grade at or above the protocol's minimum fire (here a protocol asking for grade 2).</summary>
    [TestCase(new[] { 0, 1 }, new int[0])]
    [TestCase(new[] { 0, 1, 2 }, new[] { 3 })]
    [TestCase(new[] { 2, 1, 2 }, new[] { 1, 3 })]
    [TestCase(new[] { 1, 1, 3 }, new[] { 3 })]
    public void Triggers_MinimumGradeFromTheProtocol(int[] grades, int[] expectedHours)
    {
        var protocol = WithTriggers([new ProtocolTrigger(TriggerKind.Crs, 2)]);
        var steps = grades.Select((g, i) => Step(Scale.Crs, T.AddHours(i + 1), g)).ToList();

        Assert.That(MonitoringProcessor.IntensificationTriggers(protocol, steps, []), Is.EqualTo(expectedHours.Select(h => T.AddHours(h))));
    }

    [Test]
    public void Triggers_ScaleWithoutATriggerInTheProtocol_None()
    {
        var protocol = WithTriggers([new ProtocolTrigger(TriggerKind.Crs, 1)]);

        Assert.That(MonitoringProcessor.IntensificationTriggers(protocol, [Step(Scale.Icans, T.AddHours(1), 3)], []), Is.Empty);
    }

    /// <summary>ICE scores of neuro checks at T+1 h, T+2 h, ...: triggers at those hours.</summary>
    [TestCase(new[] { 10, 8 }, new[] { 2 }, TestName = "Triggers_Ice10To8_DropAtThe8sTime")]
    [TestCase(new[] { 8, 9 }, new int[0], TestName = "Triggers_Ice8To9_None")]
    [TestCase(new[] { 10, 10, 10 }, new int[0], TestName = "Triggers_IceUnchanged_None")]
    [TestCase(new[] { 10, 8, 8 }, new[] { 2 }, TestName = "Triggers_IceStayingLow_OnlyTheDrop")]
    [TestCase(new[] { 10, 8, 9, 7 }, new[] { 2, 4 }, TestName = "Triggers_IceDropAfterARecovery_ComparedWithThePreviousScore")]
    [TestCase(new[] { 10, 9, 8, 7 }, new[] { 2, 3, 4 }, TestName = "Triggers_IceFallingStepByStep_EveryDrop")]
    [TestCase(new[] { 3 }, new int[0], TestName = "Triggers_FirstIceLow_NoPreviousNoDrop")]
    public void Triggers_IceScores(int[] scores, int[] expectedHours)
    {
        var readings = scores.Select((s, i) => Neuro(T.AddHours(i + 1), $"n{i}", IceScore(s))).ToList();

        var triggers = MonitoringProcessor.IntensificationTriggers(tarlatamab, [], readings);

        Assert.That(triggers, Is.EqualTo(expectedHours.Select(h => T.AddHours(h))));
    }

    [Test]
    public void Triggers_IceFromTheEightItems_DropToAnIceScore()
    {
        const string allItems = """
            {"orientationYear": true, "orientationMonth": true, "orientationCity": true, "orientationHospital": true,
             "namingCount": 3, "followsCommands": true, "writesSentence": true, "countsBackwards": true}
            """;
        const string missesTwo = """
            {"orientationYear": false, "orientationMonth": true, "orientationCity": true, "orientationHospital": true,
             "namingCount": 2, "followsCommands": true, "writesSentence": true, "countsBackwards": true}
            """;
        Reading[] readings =
        [
            Neuro(T.AddHours(1), "a", allItems), // 10
            Neuro(T.AddHours(2), "b", IceScore(10)),
            Neuro(T.AddHours(3), "c", missesTwo), // 8
        ];

        Assert.That(MonitoringProcessor.IntensificationTriggers(tarlatamab, [], readings), Is.EqualTo(new[] { T.AddHours(3) }));
    }

    [Test]
    public void Triggers_NeuroChecksWithoutAReadableIceScore_Skipped_ThePreviousScoreStays()
    {
        Reading[] readings =
        [
            Neuro(T.AddHours(1), "a", IceScore(10)),
            Neuro(T.AddHours(2), "out-of-range", """{"iceScore": 11}"""),
            Neuro(T.AddHours(3), "not-json", "not json"),
            Neuro(T.AddHours(4), "not-possible", """{"iceNotPossibleReason": "unarousable"}"""),
            Neuro(T.AddHours(5), "no-detail", null),
            Neuro(T.AddHours(6), "b", IceScore(9)),
        ];

        Assert.That(MonitoringProcessor.IntensificationTriggers(tarlatamab, [], readings), Is.EqualTo(new[] { T.AddHours(6) }),
            "9 is compared with the 10 at T+1 h");
    }

    [Test]
    public void Triggers_IceReadInTimeOrder_AndOnlyFromNeuroChecks()
    {
        Reading[] readings =
        [
            Neuro(T.AddHours(3), "late", IceScore(6)),
            Neuro(T.AddHours(1), "first", IceScore(8)),
            Neuro(T.AddHours(2), "second", IceScore(9)),
            Neuro(T.AddHours(1.5), "not-a-neuro-check", IceScore(2)) with { Kind = ReadingKind.ClinicianInput },
        ];

        Assert.That(MonitoringProcessor.IntensificationTriggers(tarlatamab, [], readings), Is.EqualTo(new[] { T.AddHours(3) }));
    }

    [Test]
    public void Triggers_ProtocolWithoutIceDrop_ADropTriggersNothing()
    {
        var protocol = WithTriggers([new ProtocolTrigger(TriggerKind.Crs, 1), new ProtocolTrigger(TriggerKind.Icans, 1)]);
        Reading[] readings = [Neuro(T.AddHours(1), "a", IceScore(10)), Neuro(T.AddHours(2), "b", IceScore(4))];

        Assert.That(MonitoringProcessor.IntensificationTriggers(protocol, [], readings), Is.Empty);
    }

    [Test]
    public void Triggers_GradeRiseAndIceDropTogether_MergedInTimeOrder_OncePerInstant()
    {
        GradeStep[] steps = [Step(Scale.Crs, T.AddHours(4), 1), Step(Scale.Icans, T.AddHours(2), 1)];
        Reading[] readings = [Neuro(T.AddHours(1), "a", IceScore(10)), Neuro(T.AddHours(2), "b", IceScore(7)), Neuro(T.AddHours(6), "c", IceScore(5))];

        var triggers = MonitoringProcessor.IntensificationTriggers(tarlatamab, steps, readings);

        Assert.That(triggers, Is.EqualTo(new[] { T.AddHours(2), T.AddHours(4), T.AddHours(6) }));
    }

    [Test]
    public void Triggers_NothingRecorded_None() =>
        Assert.That(MonitoringProcessor.IntensificationTriggers(tarlatamab, [], []), Is.Empty);

    private Protocol WithTriggers(ProtocolTrigger[] triggers) => tarlatamab with
    {
        Checks = tarlatamab.Checks with { Intensification = tarlatamab.Checks.Intensification with { Triggers = triggers } },
    };

    private static GradeStep Step(Scale scale, DateTimeOffset at, int? grade) => new() { Scale = scale, At = at, Grade = grade };

    private static string IceScore(int score) => string.Create(CultureInfo.InvariantCulture, $$"""{"iceScore": {{score}}}""");

    private static Reading Neuro(DateTimeOffset at, string id, string? detail) => new()
    {
        PatientId = "p1", Kind = ReadingKind.NeuroCheck, EffectiveAt = at, Source = new ReadingSource("Observation", id, 1), Detail = ReadingDetail.Of(detail),
    };
}
