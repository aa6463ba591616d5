using CrsMonitor.Grading.Icans;
using NUnit.Framework;
using static CrsMonitor.Grading.Tests.Given;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// Every ICANS, ICE and CAPD boundary of grading-rules.md sections 2 and 3, on both sides. Adults are age 45 and
/// alert unless the case says otherwise; children are age 7.
/// </summary>
[TestFixture]
public sealed class IcansBoundaryTests
{
    private static readonly IcansInput Adult = new() { AgeYears = 45 };
    private static readonly IcansInput Child = new() { AgeYears = 7 };

    private static TestCaseData Case(string name, IcansInput input, Expected expected) =>
        new TestCaseData(input, expected).SetName(name);

    [TestCaseSource(nameof(IceBands))]
    [TestCaseSource(nameof(IceItemScoring))]
    [TestCaseSource(nameof(ConsciousnessAndFindings))]
    [TestCaseSource(nameof(Capd))]
    [TestCaseSource(nameof(Sedation))]
    [TestCaseSource(nameof(BaselineAndExclusions))]
    public void Icans(IcansInput input, Expected expected) => GradeAssert.Matches(Grade(input), expected);

    // ICE domain, awake and alert: 10 -> 0, 7–9 -> 1, 3–6 -> 2, 0–2 -> 3 (ICANS-ICE0 for 0); unarousable -> 4.
    private static IEnumerable<TestCaseData> IceBands()
    {
        foreach (var ice in Enumerable.Range(0, 11))
        {
            var grade = ice switch
            {
                10 => 0,
                >= 7 => 1,
                >= 3 => 2,
                _ => 3,
            };
            yield return Case($"Icans_Ice{ice}AwakeAndAlert_Grade{grade}", AdultIce(ice),
                Expected.Graded(grade, ice == 0 ? "ICANS-ICE0" : "ICANS-ICE").WithDomain("ice", grade));
        }

        yield return Case("Icans_IceNotPossibleBecauseUnarousable_Grade4",
            Adult with { IceNotPossibleReason = IceNotPossibleReason.Unarousable },
            Expected.Graded(4, "ICANS-ICE0").WithDomain("ice", 4));
        yield return Case("Icans_Ice0BecauseUnarousable_Grade4",
            Adult with { IceScore = 0, Consciousness = Consciousness.Unarousable },
            Expected.Graded(4, "ICANS-ICE0").WithDomain("ice", 4));
    }

    // ICE from its items: the total of the stored items is what is graded; items win over a total.
    private static IEnumerable<TestCaseData> IceItemScoring()
    {
        TestCaseData Items(string name, IceItems items, int grade) =>
            Case(name, Adult with { IceItems = items, Consciousness = Consciousness.Alert },
                Expected.Graded(grade).WithDomain("ice", grade));

        yield return Items("Icans_IceItemsAllCorrect_Ice10_Grade0", IcePoints(), 0);
        yield return Items("Icans_IceItemsFailsWritingOnly_Ice9_Grade1", IcePoints(writing: false), 1);
        yield return Items("Icans_IceItemsFailsAttentionOnly_Ice9_Grade1", IcePoints(attention: false), 1);
        yield return Items("Icans_IceItemsNamesTwoOfThreeObjects_Ice9_Grade1", IcePoints(naming: 2), 1);
        yield return Items("Icans_IceItemsNamesNoObject_Ice7_Grade1", IcePoints(naming: 0), 1);
        yield return Items("Icans_IceItemsNamesNoObjectAndFailsWriting_Ice6_Grade2", IcePoints(naming: 0, writing: false), 2);
        yield return Items("Icans_IceItemsNotOrientedAtAll_Ice6_Grade2",
            IcePoints(year: false, month: false, city: false, hospital: false), 2);
        yield return Items("Icans_IceItemsOnlyNamingAndCommands_Ice4_Grade2",
            IcePoints(year: false, month: false, city: false, hospital: false, writing: false, attention: false), 2);
        yield return Items("Icans_IceItemsOnlyFollowsCommands_Ice1_Grade3",
            IcePoints(year: false, month: false, city: false, hospital: false, naming: 0, writing: false, attention: false), 3);
        yield return Items("Icans_IceItemsNoneCorrectAwake_Ice0_Grade3",
            IcePoints(false, false, false, false, 0, false, false, false), 3);
        yield return Case("Icans_IceItemsWinOverAGivenTotal_Grade0",
            AdultIce(2) with { IceItems = IcePoints() },
            Expected.Graded(0).WithDomain("ice", 0));
    }

    [Test]
    public void Icans_IceItemTotalsCountEveryPoint()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(IcePoints().Total, Is.EqualTo(10));
            Assert.That(IcePoints(writing: false).Total, Is.EqualTo(9));
            Assert.That(IcePoints(naming: 1).Total, Is.EqualTo(8));
            Assert.That(IcePoints(year: false, hospital: false).Total, Is.EqualTo(8));
            Assert.That(IcePoints(false, false, false, false, 0, false, false, false).Total, Is.Zero);
        }
    }

    [Test]
    public void Icans_IceItemsAreStoredItemByItem()
    {
        var r = Grade(Adult with { IceItems = IcePoints(writing: false, naming: 2), Consciousness = Consciousness.Alert });
        Assert.That(r.Inputs.Select(i => i.Name), Does.Contain("iceItems"));
    }

    // ICANS-LOC, seizure, motor and ICP domains, each value, with an otherwise normal ICE 10.
    private static IEnumerable<TestCaseData> ConsciousnessAndFindings()
    {
        (Consciousness Level, int Grade)[] levels =
        [
            (Consciousness.Alert, 0), (Consciousness.AwakensSpontaneously, 1), (Consciousness.AwakensToVoice, 2),
            (Consciousness.AwakensToTactile, 3), (Consciousness.Unarousable, 4),
        ];
        foreach (var (level, grade) in levels)
        {
            yield return Case($"Icans_Ice10And{level}_Grade{grade}", AdultIce(10, level),
                Expected.Graded(grade, "ICANS-LOC").WithDomain("consciousness", grade));
        }

        (Seizure Seizure, int Grade)[] seizures =
        [
            (Seizure.None, 0), (Seizure.RapidlyResolving, 3), (Seizure.NonconvulsiveResolvedWithIntervention, 3),
            (Seizure.ProlongedOver5Min, 4), (Seizure.RepetitiveWithoutRecovery, 4),
        ];
        foreach (var (seizure, grade) in seizures)
        {
            yield return Case($"Icans_Ice10AlertWithSeizure{seizure}_Grade{grade}", AdultIce(10) with { Seizure = seizure },
                Expected.Graded(grade, grade > 0 ? ["ICANS-SEIZURE"] : []).WithDomain("seizure", grade));
        }

        yield return Case("Icans_Ice10AlertNoMotorFinding_Grade0", AdultIce(10) with { Motor = MotorFinding.None },
            Expected.Graded(0).WithDomain("motor", 0));
        yield return Case("Icans_Ice10AlertDeepFocalMotorWeakness_Grade4", AdultIce(10) with { Motor = MotorFinding.DeepFocalWeakness },
            Expected.Graded(4, "ICANS-MOTOR").WithDomain("motor", 4));

        (IcpFinding Finding, int Grade)[] icp =
        [
            (IcpFinding.None, 0), (IcpFinding.FocalEdema, 3), (IcpFinding.DiffuseEdema, 4), (IcpFinding.Posturing, 4),
            (IcpFinding.CranialNerveVIPalsy, 4), (IcpFinding.Papilledema, 4), (IcpFinding.CushingTriad, 4),
        ];
        foreach (var (finding, grade) in icp)
        {
            yield return Case($"Icans_Ice10AlertWithIcp{finding}_Grade{grade}", AdultIce(10) with { Icp = [finding] },
                Expected.Graded(grade, grade > 0 ? ["ICANS-ICP"] : []).WithDomain("icp", grade));
        }

        yield return Case("Icans_FocalAndDiffuseEdemaTogether_TheMoreSevere_Grade4",
            AdultIce(10) with { Icp = [IcpFinding.FocalEdema, IcpFinding.DiffuseEdema] },
            Expected.Graded(4, "ICANS-ICP").WithDomain("icp", 4));

        // ICANS-MAX: the most severe domain wins, whichever it is.
        yield return Case("Icans_Ice3WithGeneralizedSeizure_LeeExample_Grade3",
            AdultIce(3) with { Seizure = Seizure.RapidlyResolving },
            Expected.Graded(3, "ICANS-MAX"));
        yield return Case("Icans_Ice8AwakensToTactileWithFocalEdema_Grade3",
            AdultIce(8, Consciousness.AwakensToTactile) with { Icp = [IcpFinding.FocalEdema] },
            Expected.Graded(3, "ICANS-MAX"));
        yield return Case("Icans_DeathDueToIcans_Grade5",
            AdultIce(10) with { DeathAttributedToIcans = true },
            Expected.Graded(5, "ICANS-DEATH"));
        yield return Case("Icans_NothingRecorded_IcansMissing_NotGradable_IceMissing_NeverGrade0",
            Adult,
            Expected.NotGradable(NotGradableReasons.IceMissing, "ICANS-MISSING"));
    }

    // CAPD-3, CAPD-LOW, CAPD-4, CAPD-OTHER, and CAPD from its eight items.
    private static IEnumerable<TestCaseData> Capd()
    {
        IcansInput Capd(int score, int? baseline, Consciousness level = Consciousness.Alert) =>
            Child with { CapdScore = score, CapdBaseline = baseline, Consciousness = level };

        yield return Case("Icans_Capd8ChangedFromBaseline0_Grade1", Capd(8, 0),
            Expected.Graded(1, "CAPD-LOW").WithDomain("capd", 1));
        yield return Case("Icans_Capd1ChangedFromBaseline0_Grade1", Capd(1, 0),
            Expected.Graded(1, "CAPD-LOW").WithDomain("capd", 1));
        yield return Case("Icans_Capd9_Grade3", Capd(9, 0),
            Expected.Graded(3, "CAPD-3").WithDomain("capd", 3));
        yield return Case("Icans_Capd9WithoutBaseline_Grade3", Child with { CapdScore = 9, Consciousness = Consciousness.Alert },
            Expected.Graded(3, "CAPD-3").WithDomain("capd", 3));
        yield return Case("Icans_Capd32_Grade3", Capd(32, 0),
            Expected.Graded(3, "CAPD-3").WithDomain("capd", 3));
        yield return Case("Icans_Capd8UnchangedFromBaseline8_Grade0", Capd(8, 8),
            Expected.Graded(0, "CAPD-LOW").WithDomain("capd", 0));
        yield return Case("Icans_Capd6UnchangedFromBaseline6_Grade0", Capd(6, 6),
            Expected.Graded(0, "CAPD-LOW").WithDomain("capd", 0));
        yield return Case("Icans_Capd0_Grade0", Capd(0, 0),
            Expected.Graded(0).WithDomain("capd", 0));
        yield return Case("Icans_Capd8ChangedAndAwakensToVoice_ConsciousnessSeparates_Grade2", Capd(8, 0, Consciousness.AwakensToVoice),
            Expected.Graded(2, "CAPD-LOW", "ICANS-LOC").WithDomain("capd", 1).WithDomain("consciousness", 2));
        yield return Case("Icans_Capd6UnchangedAndAwakensSpontaneously_Grade1", Capd(6, 6, Consciousness.AwakensSpontaneously),
            Expected.Graded(1, "ICANS-LOC").WithDomain("capd", 0).WithDomain("consciousness", 1));
        yield return Case("Icans_CapdImpossibleUnarousableNotSedated_Grade4",
            Child with { IceNotPossibleReason = IceNotPossibleReason.Unarousable },
            Expected.Graded(4, "CAPD-4").WithDomain("capd", 4));
        yield return Case("Icans_Capd0WithFocalSeizure_CapdOther_Grade3",
            Capd(0, 0) with { Seizure = Seizure.RapidlyResolving },
            Expected.Graded(3, "CAPD-OTHER").WithDomain("seizure", 3));
        yield return Case("Icans_Capd0WithDiffuseEdema_Grade4",
            Capd(0, 0) with { Icp = [IcpFinding.DiffuseEdema] },
            Expected.Graded(4, "CAPD-OTHER").WithDomain("icp", 4));
        yield return Case("Icans_Capd0WithHemiparesis_Grade4",
            Capd(0, 0) with { Motor = MotorFinding.DeepFocalWeakness },
            Expected.Graded(4, "CAPD-OTHER").WithDomain("motor", 4));

        var allNever = new CapdItems(CapdFrequency.Never, CapdFrequency.Never, CapdFrequency.Never, CapdFrequency.Never,
            CapdFrequency.Never, CapdFrequency.Never, CapdFrequency.Never, CapdFrequency.Never);
        var normal = allNever with
        {
            EyeContact = CapdFrequency.Always,
            PurposefulActions = CapdFrequency.Always,
            AwareOfSurroundings = CapdFrequency.Always,
            CommunicatesNeeds = CapdFrequency.Always,
        };
        yield return Case("Icans_CapdItemsAllNever_Capd16_Grade3", Child with { CapdItems = allNever, CapdBaseline = 0, Consciousness = Consciousness.Alert },
            Expected.Graded(3, "CAPD-ITEMS", "CAPD-3").WithDomain("capd", 3));
        yield return Case("Icans_CapdItemsNormalChild_Capd0_Grade0", Child with { CapdItems = normal, CapdBaseline = 0, Consciousness = Consciousness.Alert },
            Expected.Graded(0, "CAPD-ITEMS").WithDomain("capd", 0));
        yield return Case("Icans_CapdItemsWinOverAGivenScore_Grade0",
            Child with { CapdItems = normal, CapdScore = 20, CapdBaseline = 0, Consciousness = Consciousness.Alert },
            Expected.Graded(0).WithDomain("capd", 0));
    }

    // ICANS-SEDATION and CAPD-4 (sedation): ICE/CAPD and consciousness not assessable, never scored 0.
    private static IEnumerable<TestCaseData> Sedation()
    {
        yield return Case("Icans_SedatedWithRapidlyResolvingSeizure_GradedFromSeizure_Grade3_FlagSedated",
            Adult with { Sedated = true, Consciousness = Consciousness.Unarousable, Seizure = Seizure.RapidlyResolving },
            Expected.Graded(3, "ICANS-SEDATION", "ICANS-SEIZURE").WithFlags(GradeFlags.Sedated)
                .WithDomain("ice", DomainStatus.NotAssessable).WithDomain("consciousness", DomainStatus.NotAssessable).WithDomain("seizure", 3));
        yield return Case("Icans_SedatedWithDiffuseEdema_GradedFromImaging_Grade4_FlagSedated",
            Adult with { Sedated = true, Icp = [IcpFinding.DiffuseEdema] },
            Expected.Graded(4, "ICANS-SEDATION", "ICANS-ICP").WithFlags(GradeFlags.Sedated)
                .WithDomain("ice", DomainStatus.NotAssessable).WithDomain("consciousness", DomainStatus.NotAssessable));
        yield return Case("Icans_SedatedWithIce0Recorded_IceIsNotScored_NotGradable",
            Adult with { Sedated = true, IceScore = 0, Consciousness = Consciousness.Unarousable },
            Expected.NotGradable(NotGradableReasons.Sedated, "ICANS-SEDATION")
                .WithDomain("ice", DomainStatus.NotAssessable).WithDomain("consciousness", DomainStatus.NotAssessable));
        yield return Case("Icans_IceNotPossibleBecauseSedated_NotGradable",
            Adult with { IceNotPossibleReason = IceNotPossibleReason.Sedated },
            Expected.NotGradable(NotGradableReasons.Sedated, "ICANS-SEDATION").WithDomain("ice", DomainStatus.NotAssessable));
        yield return Case("Icans_SedatedChildWithHemiparesis_GradedFromMotor_Grade4_FlagSedated",
            Child with { Sedated = true, Motor = MotorFinding.DeepFocalWeakness },
            Expected.Graded(4, "ICANS-SEDATION", "CAPD-OTHER").WithFlags(GradeFlags.Sedated)
                .WithDomain("capd", DomainStatus.NotAssessable).WithDomain("consciousness", DomainStatus.NotAssessable));
        yield return Case("Icans_SedatedChildWithCapd20Recorded_CapdIsNotScored_NotGradable",
            Child with { Sedated = true, CapdScore = 20, CapdBaseline = 0 },
            Expected.NotGradable(NotGradableReasons.Sedated, "ICANS-SEDATION").WithDomain("capd", DomainStatus.NotAssessable));
    }

    // ICANS-BASELINE and ICANS-EXCL.
    private static IEnumerable<TestCaseData> BaselineAndExclusions()
    {
        yield return Case("Icans_BaselineIce8CurrentIce8_Grade0_FlagBaselineLimited", AdultIce(8) with { BaselineIceScore = 8 },
            Expected.Graded(0, "ICANS-BASELINE").WithFlags(GradeFlags.BaselineLimited).WithDomain("ice", 0));
        yield return Case("Icans_BaselineIce5CurrentIce5_Grade0_FlagBaselineLimited", AdultIce(5) with { BaselineIceScore = 5 },
            Expected.Graded(0, "ICANS-BASELINE").WithFlags(GradeFlags.BaselineLimited).WithDomain("ice", 0));
        yield return Case("Icans_BaselineIce8CurrentIce8ButAwakensToVoice_ConsciousnessStillCounts_Grade2",
            AdultIce(8, Consciousness.AwakensToVoice) with { BaselineIceScore = 8 },
            Expected.Graded(2).WithFlags(GradeFlags.BaselineLimited).WithDomain("ice", 0).WithDomain("consciousness", 2));
        yield return Case("Icans_BaselineIce10CurrentIce10_NoBaselineFlag_Grade0", AdultIce(10) with { BaselineIceScore = 10 },
            Expected.Graded(0).WithDomain("ice", 0));
        yield return Case("Icans_BaselineIce10CurrentIce8_GradedByBands_Grade1", AdultIce(8) with { BaselineIceScore = 10 },
            Expected.Graded(1, "ICANS-ICE").WithDomain("ice", 1));

        yield return Case("Icans_TremorWithIce6_ExcludedFindingDoesNotLowerEither_Grade2",
            AdultIce(6) with { ExcludedFindings = [ExcludedFinding.Tremor] },
            Expected.Graded(2, "ICANS-EXCL").WithDomain("ice", 2));
        yield return Case("Icans_MyoclonusAloneIce10_Grade0",
            AdultIce(10) with { ExcludedFindings = [ExcludedFinding.Myoclonus] },
            Expected.Graded(0, "ICANS-EXCL"));
        // ICANS-EXCL (added): with a haemorrhage recorded, every raised-ICP sign keeps its grade and carries the flag.
        yield return Case("Icans_HaemorrhageWithDiffuseEdema_IcansExclAdded_KeepsGrade4_FlagEdemaWithHaemorrhage",
            AdultIce(10) with { ExcludedFindings = [ExcludedFinding.IntracranialHaemorrhage], Icp = [IcpFinding.DiffuseEdema] },
            Expected.Graded(4, "ICANS-EXCL", "ICANS-ICP").WithFlags(GradeFlags.EdemaWithHaemorrhage).WithDomain("icp", 4));
        yield return Case("Icans_HaemorrhageWithPapilledema_IcansExclAdded_KeepsGrade4_FlagEdemaWithHaemorrhage",
            AdultIce(10) with { ExcludedFindings = [ExcludedFinding.IntracranialHaemorrhage], Icp = [IcpFinding.Papilledema] },
            Expected.Graded(4, "ICANS-ICP").WithFlags(GradeFlags.EdemaWithHaemorrhage).WithDomain("icp", 4));
        yield return Case("Icans_PapilledemaWithoutHaemorrhage_Grade4_NoHaemorrhageFlag",
            AdultIce(10) with { Icp = [IcpFinding.Papilledema] },
            Expected.Graded(4, "ICANS-ICP").WithDomain("icp", 4));
        yield return Case("Icans_HaemorrhageWithIce4_IceStillGraded_Grade2",
            AdultIce(4) with { ExcludedFindings = [ExcludedFinding.IntracranialHaemorrhage] },
            Expected.Graded(2).WithDomain("ice", 2));
    }

    // ICANS-AGE with ICANS-SCALE: ICE from age 12 (setting), CAPD below it; developmental delay switches to CAPD. The
    // scale chosen shows as the flag scale-age-mismatch when only ICE (10, grade 0) is scored.
    [TestCase(11, true, TestName = "Icans_Age11PrefersCapd_IceOnly_FlagScaleAgeMismatch")]
    [TestCase(12, false, TestName = "Icans_Age12PrefersIce_IceOnly_NoMismatch")]
    [TestCase(13, false, TestName = "Icans_Age13PrefersIce_IceOnly_NoMismatch")]
    [TestCase(45, false, TestName = "Icans_Age45PrefersIce_IceOnly_NoMismatch")]
    [TestCase(2, true, TestName = "Icans_Age2PrefersCapd_IceOnly_FlagScaleAgeMismatch")]
    public void Icans_AgeChoosesTheScale(int age, bool capd) => AssertPreferredScale(Grade(IceOnly(age)), capd);

    [TestCase(12, true, TestName = "Icans_IceMinimumAge13_Age12PrefersCapd_FlagScaleAgeMismatch")]
    [TestCase(13, false, TestName = "Icans_IceMinimumAge13_Age13PrefersIce_NoMismatch")]
    public void Icans_IceMinimumAgeIsTheSetting(int age, bool capd) =>
        AssertPreferredScale(Grade(IceOnly(age), GradingSettings.Default with { IceMinimumAgeYears = 13 }), capd);

    private static void AssertPreferredScale(GradeResult r, bool capdPreferred)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.Grade, Is.EqualTo(0), "ICE 10 grades 0 on either choice");
            Assert.That(r.Flags.Contains(GradeFlags.ScaleAgeMismatch), Is.EqualTo(capdPreferred));
            Assert.That(r.Rules.Select(x => x.Id).Contains("ICANS-SCALE"), Is.EqualTo(capdPreferred));
        }
    }

    private static IcansInput IceOnly(int age) => new() { AgeYears = age, IceScore = 10, Consciousness = Consciousness.Alert };

    [Test]
    public void Icans_Age12IsExactlyTheIceThreshold_FlagIceAgeThreshold()
    {
        var r = Grade(new IcansInput { AgeYears = 12, IceScore = 6, Consciousness = Consciousness.Alert });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.Grade, Is.EqualTo(2));
            Assert.That(r.Flags, Does.Contain(GradeFlags.IceAgeThreshold));
            Assert.That(r.Rules.Select(x => x.Id), Does.Contain("ICANS-AGE"));
        }
    }

    [TestCase(11)]
    [TestCase(13)]
    public void Icans_AwayFromTheThresholdAge_NoIceAgeThresholdFlag(int age) =>
        Assert.That(Grade(BothScales(age)).Flags, Does.Not.Contain(GradeFlags.IceAgeThreshold));

    [Test]
    public void Icans_IceMinimumAge13_FlagMovesWithTheSetting()
    {
        var settings = GradingSettings.Default with { IceMinimumAgeYears = 13 };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Grade(BothScales(13), settings).Flags, Does.Contain(GradeFlags.IceAgeThreshold));
            Assert.That(Grade(BothScales(12), settings).Flags, Does.Not.Contain(GradeFlags.IceAgeThreshold));
        }
    }

    [Test]
    public void Icans_DevelopmentalDelaySwitchesAnAdultToCapd_CapdOnlyGrade3_IceOnlyIsScaleAgeMismatch()
    {
        var capd = Grade(new IcansInput { AgeYears = 30, DevelopmentalDelay = true, CapdScore = 10, CapdBaseline = 0, Consciousness = Consciousness.Alert });
        var ice = Grade(IceOnly(30) with { DevelopmentalDelay = true });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(capd.Grade, Is.EqualTo(3));
            Assert.That(capd.Domains.Select(d => d.Domain), Does.Contain("capd").And.Not.Contain("ice"));
            Assert.That(capd.Flags, Does.Not.Contain(GradeFlags.ScaleAgeMismatch));
            Assert.That(ice.Flags, Does.Contain(GradeFlags.ScaleAgeMismatch));
        }
    }

    private static IcansInput BothScales(int age) => new()
    {
        AgeYears = age,
        IceScore = 10,
        CapdScore = 10,
        CapdBaseline = 0,
        Consciousness = Consciousness.Alert,
    };
}
