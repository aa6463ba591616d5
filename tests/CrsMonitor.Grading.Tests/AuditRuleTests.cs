using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;
using NUnit.Framework;
using static CrsMonitor.Grading.Crs.VasoactiveAgent;
using static CrsMonitor.Grading.Tests.Given;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// The rules grading-rules.md section 6 adds after the clinical audit, each boundary on both sides. Cases S01–S30 are
/// the new vignettes (tests/CrsMonitor.Grading.Tests/Vignettes-section6.md); the others pin the boundaries around them.
/// </summary>
[TestFixture]
public sealed class AuditRuleTests
{
    private static TestCaseData Case(string name, CrsInput input, Expected expected) =>
        new TestCaseData(input, expected).SetName(name);

    private static TestCaseData Case(string name, IcansInput input, Expected expected) =>
        new TestCaseData(input, expected).SetName(name);

    [TestCaseSource(nameof(HypotensionByAge))]
    [TestCaseSource(nameof(Afebrile))]
    [TestCaseSource(nameof(AttributionNarrowed))]
    [TestCaseSource(nameof(OxygenAdded))]
    [TestCaseSource(nameof(VasopressorEnd))]
    public void Crs(CrsInput input, Expected expected) => GradeAssert.Matches(Grade(input), expected);

    [TestCaseSource(nameof(Scale))]
    [TestCaseSource(nameof(MissingIce))]
    [TestCaseSource(nameof(HaemorrhageAdded))]
    [TestCaseSource(nameof(CapdBaselineHigh))]
    public void Icans(IcansInput input, Expected expected) => GradeAssert.Matches(Grade(input), expected);

    // CRS-HYPO-PED: under 1 year SBP < 70; 1–10 years SBP < 70 + 2 × age; from 11 the adult setting (90).
    private static IEnumerable<TestCaseData> HypotensionByAge()
    {
        TestCaseData Child(string name, int? age, decimal sbp, bool hypotension) =>
            Case(name, Febrile() with { AgeYears = age, SystolicBpMmHg = sbp },
                Expected.Graded(hypotension ? 2 : 1, "CRS-HYPO-PED", "CRS-HYPO-DEF").WithDomain("hypotension", hypotension ? 2 : 0));

        yield return Child("CrsHypoPed_Age0_Sbp69_Hypotension_Grade2", 0, 69m, true);
        yield return Child("CrsHypoPed_Age0_Sbp70_NotHypotension_Grade1", 0, 70m, false);
        yield return Child("CrsHypoPed_Age1_Sbp71_Hypotension_Grade2", 1, 71m, true);
        yield return Child("CrsHypoPed_Age1_Sbp72_NotHypotension_Grade1", 1, 72m, false);
        yield return Child("CrsHypoPed_Age3_Sbp75_Hypotension_Grade2", 3, 75m, true);
        yield return Child("S01_CrsHypoPed_Age3_Sbp80_NotHypotension_Grade1", 3, 80m, false);
        yield return Child("CrsHypoPed_Age3_Sbp76_NotHypotension_Grade1", 3, 76m, false);
        yield return Child("CrsHypoPed_Age10_Sbp89_Hypotension_Grade2", 10, 89m, true);
        yield return Child("CrsHypoPed_Age10_Sbp90_NotHypotension_Grade1", 10, 90m, false);
        yield return Child("CrsHypoPed_Age11_Sbp89_AdultThreshold_Hypotension_Grade2", 11, 89m, true);
        yield return Child("CrsHypoPed_Age11_Sbp90_AdultThreshold_NotHypotension_Grade1", 11, 90m, false);
        yield return Child("S02_CrsHypoPed_NoAge_Sbp89_AdultThreshold_Grade2", null, 89m, true);
        yield return Child("CrsHypoPed_NoAge_Sbp90_AdultThreshold_Grade1", null, 90m, false);
    }

    [TestCase(3, "70 + 2 × 3 = 76 mmHg (PALS)")]
    [TestCase(0, "Age under 1 year: hypotension is systolic BP below 70 mmHg")]
    [TestCase(11, "Age 11: the adult threshold applies, hypotension is systolic BP below 90 mmHg")]
    [TestCase(null, "Age not given: the adult threshold applies")]
    public void CrsHypoPed_RuleTextNamesTheThresholdUsed(int? age, string text) =>
        Assert.That(Grade(Febrile() with { AgeYears = age }).Rules.Single(r => r.Id == "CRS-HYPO-PED").Text, Does.Contain(text));

    [TestCase(10, 94, 1, TestName = "CrsHypoPed_Age10_KeepsPals90_WhenTheAdultSettingIs95_Sbp94NotHypotension")]
    [TestCase(11, 94, 2, TestName = "CrsHypoPed_Age11_FollowsTheAdultSetting95_Sbp94Hypotension")]
    public void CrsHypoPed_OnlyFrom11TheAdultSettingApplies(int age, int sbp, int grade) =>
        Assert.That(Grade(Febrile() with { AgeYears = age, SystolicBpMmHg = sbp }, GradingSettings.Default with { HypotensionSystolicBelowMmHg = 95m }).Grade,
            Is.EqualTo(grade));

    // CRS-AFEBRILE: afebrile with an axis ≥ 2, neither CRS-MASK nor CRS-ATTRIB.
    private static IEnumerable<TestCaseData> Afebrile()
    {
        var masked = Expected.NotGradable(NotGradableReasons.SuspectedMaskedFever, "CRS-AFEBRILE")
            .WithFlags(GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview);
        yield return Case("S03_CrsAfebrile_CpapDuringAnOpenEpisode_NoTherapy_NotGradable_SuspectedMaskedFever",
            AfebrileNormal() with { CrsEstablished = true, Oxygen = Device(OxygenDevice.Cpap) }, masked);
        yield return Case("S04_CrsAfebrile_NasalCannula2_AntipyreticWithinTheMaskingPeriod_NotGradable",
            AfebrileNormal() with { FeverModifyingDrugRecent = true, Oxygen = Cannula(2m) }, masked);
        yield return Case("CrsAfebrile_Sbp85_CorticosteroidWithinTheMaskingPeriod_NotGradable",
            AfebrileNormal() with { FeverModifyingDrugRecent = true, SystolicBpMmHg = 85m }, masked);
        yield return Case("S05_CrsAfebrile_NasalCannula2_NoDrugNoEpisode_Grade0_FlagAfebrileSupport",
            AfebrileNormal() with { Oxygen = Cannula(2m) },
            Expected.Graded(0, "CRS-AFEBRILE").WithFlags(GradeFlags.AfebrileSupport));
        yield return Case("CrsAfebrile_Norepinephrine_NoDrugNoEpisode_Grade0_FlagAfebrileSupport",
            AfebrileNormal() with { Vasoactives = [Running(Norepinephrine)] },
            Expected.Graded(0, "CRS-AFEBRILE").WithFlags(GradeFlags.AfebrileSupport));
        yield return Case("CrsAfebrile_AxesBelow2_RecentDrug_Grade0_NoFlag",
            AfebrileNormal() with { FeverModifyingDrugRecent = true, CrsEstablished = true },
            Expected.Graded(0, "CRS-GATE"));
        yield return Case("CrsAfebrile_MaskApplies_EstablishedWithTherapyOnCpap_Grade4",
            AfebrileNormal() with { CrsEstablished = true, FeverTherapyGiven = true, Oxygen = Device(OxygenDevice.Cpap) },
            Expected.Graded(4, "CRS-MASK"));
        yield return Case("CrsAfebrile_AttribApplies_FeverAttributed_NasalCannula2_RecentDrug_Grade0_NoFlag",
            AfebrileNormal() with { FeverAttributedToOtherCause = true, FeverModifyingDrugRecent = true, Oxygen = Cannula(2m) },
            Expected.Graded(0, "CRS-GATE", "CRS-ATTRIB"));
        yield return Case("CrsAfebrile_AttribApplies_HypoxiaAttributed_RecentDrug_Grade0",
            AfebrileNormal() with { HypoxiaAttributedToOtherCause = true, FeverModifyingDrugRecent = true, Oxygen = Cannula(2m) },
            Expected.Graded(0, "CRS-GATE"));
        yield return Case("CrsAfebrile_Febrile_NasalCannula2_RecentDrug_GradedNormally_Grade2",
            Febrile() with { FeverModifyingDrugRecent = true, Oxygen = Cannula(2m) },
            Expected.Graded(2, "CRS-MAX"));
    }

    // CRS-ATTRIB (narrowed): "for comfort" exempts oxygen devices only; positive pressure counts unless at baseline.
    private static IEnumerable<TestCaseData> AttributionNarrowed()
    {
        OxygenSupport Comfort(OxygenDevice d) => new(d, ForComfort: true, RoomAirSpo2Percent: 98m);
        yield return Case("S06_CrsAttrib_CpapForComfort_Spo298_StillCounts_Grade4",
            Febrile() with { Oxygen = Comfort(OxygenDevice.Cpap) }, Expected.Graded(4, "CRS-ATTRIB", "CRS-O2"));
        yield return Case("CrsAttrib_BipapForComfort_StillCounts_Grade4",
            Febrile() with { Oxygen = Comfort(OxygenDevice.Bipap) }, Expected.Graded(4, "CRS-ATTRIB", "CRS-O2"));
        yield return Case("CrsAttrib_VentilationForComfort_StillCounts_Grade4",
            Febrile() with { Oxygen = Comfort(OxygenDevice.MechanicalVentilation) }, Expected.Graded(4, "CRS-O2"));
        yield return Case("CrsAttrib_SimpleFaceMaskForComfort_Spo298_Exempt_Grade1",
            Febrile() with { Oxygen = Comfort(OxygenDevice.SimpleFaceMask) }, Expected.Graded(1, "CRS-ATTRIB"));
        yield return Case("CrsAttrib_CpapAtBaseline_Exempt_Grade1",
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.Cpap, AtBaseline: true) }, Expected.Graded(1, "CRS-ATTRIB"));
    }

    // CRS-O2 (added): flow 0 with a device is not support (refused at the edge; graded on the device if it reaches here);
    // nasal cannula without a flow stays axis 2 with oxygen-flow-missing.
    private static IEnumerable<TestCaseData> OxygenAdded()
    {
        yield return Case("CrsO2_NasalCannulaWithoutFlow_Axis2_FlagOxygenFlowMissing",
            Febrile() with { Oxygen = Device(OxygenDevice.NasalCannula) },
            Expected.Graded(2, "CRS-O2").WithFlags(GradeFlags.OxygenFlowMissing));
        yield return Case("CrsO2_NasalCannulaFlow0_GradedOnTheDevice_Axis2_FlagOxygenFlowMissing",
            Febrile() with { Oxygen = Cannula(0m) },
            Expected.Graded(2, "CRS-O2").WithFlags(GradeFlags.OxygenFlowMissing));
        yield return Case("CrsO2_NasalCannulaFlow0Point5_LowFlow_Axis2_NoFlowFlag",
            Febrile() with { Oxygen = Cannula(0.5m) },
            Expected.Graded(2, "CRS-O2"));
    }

    [Test]
    public void CrsO2_NasalCannulaWithAFlow_CarriesNoFlowMissingFlag() =>
        Assert.That(Grade(Febrile() with { Oxygen = Cannula(0.5m) }).Flags, Does.Not.Contain(GradeFlags.OxygenFlowMissing));

    // CRS-VASO (added): an infusion whose recorded end is at or before the instant is not running.
    private static IEnumerable<TestCaseData> VasopressorEnd()
    {
        yield return Case("S07_CrsVaso_NorepinephrineEndedThreeDaysAgo_NotRunning_Grade1",
            Febrile() with { Vasoactives = [new(Norepinephrine, At(8) - TimeSpan.FromDays(3), At(10) - TimeSpan.FromDays(3))], AssessedAt = At(10) },
            Expected.Graded(1).WithDomain("hypotension", 0));
        yield return Case("CrsVaso_NorepinephrineEndedExactlyAtTheAssessment_NotRunning_Grade1",
            Febrile() with { Vasoactives = [new(Norepinephrine, At(8), At(10))], AssessedAt = At(10) },
            Expected.Graded(1).WithDomain("hypotension", 0));
        yield return Case("CrsVaso_NorepinephrineEndingOneSecondAfterTheAssessment_Running_Grade3",
            Febrile() with { Vasoactives = [new(Norepinephrine, At(8), At(10).AddSeconds(1))], AssessedAt = At(10) },
            Expected.Graded(3, "CRS-VASO").WithDomain("hypotension", 3));
    }

    // ICANS-SCALE: the scale for the age is preferred; the other scale's score is never ignored.
    private static IEnumerable<TestCaseData> Scale()
    {
        yield return Case("S08_IcansScale_Child10_Ice2Only_Grade3_FlagScaleAgeMismatch",
            new IcansInput { AgeYears = 10, IceScore = 2, Consciousness = Consciousness.Alert },
            Expected.Graded(3, "ICANS-SCALE").WithFlags(GradeFlags.ScaleAgeMismatch).WithDomain("ice", 3));
        yield return Case("IcansScale_Child10_Ice10Only_Grade0_FlagScaleAgeMismatch",
            new IcansInput { AgeYears = 10, IceScore = 10, Consciousness = Consciousness.Alert },
            Expected.Graded(0, "ICANS-SCALE").WithFlags(GradeFlags.ScaleAgeMismatch));
        yield return Case("S09_IcansScale_Adult30_CapdOnly12_Grade3_FlagScaleAgeMismatch",
            new IcansInput { AgeYears = 30, CapdScore = 12, CapdBaseline = 0, Consciousness = Consciousness.Alert },
            Expected.Graded(3, "ICANS-SCALE", "CAPD-3").WithFlags(GradeFlags.ScaleAgeMismatch).WithDomain("capd", 3));
        yield return Case("S10_IcansScale_Child7_Capd10AndIce10_Disagree_MoreSevere_Grade3_FlagScalesDisagree",
            new IcansInput { AgeYears = 7, CapdScore = 10, CapdBaseline = 0, IceScore = 10, Consciousness = Consciousness.Alert },
            Expected.Graded(3, "ICANS-SCALE").WithFlags(GradeFlags.ScalesDisagree).WithDomain("capd", 3).WithDomain("ice", 0));
        yield return Case("IcansScale_Adult30_Ice6AndCapd6_Disagree_Grade2_FlagScalesDisagree",
            new IcansInput { AgeYears = 30, IceScore = 6, CapdScore = 6, CapdBaseline = 0, Consciousness = Consciousness.Alert },
            Expected.Graded(2, "ICANS-SCALE").WithFlags(GradeFlags.ScalesDisagree).WithDomain("ice", 2).WithDomain("capd", 1));
        yield return Case("IcansScale_Child7_Capd0AndIce10_Agree_Grade0",
            new IcansInput { AgeYears = 7, CapdScore = 0, IceScore = 10, Consciousness = Consciousness.Alert },
            Expected.Graded(0).WithDomain("capd", 0).WithDomain("ice", 0));
    }

    [Test]
    public void IcansScale_ScalesThatAgree_CarryNoScaleFlag()
    {
        var r = Grade(new IcansInput { AgeYears = 7, CapdScore = 0, IceScore = 10, Consciousness = Consciousness.Alert });
        Assert.That(r.Flags, Does.Not.Contain(GradeFlags.ScalesDisagree).And.Not.Contain(GradeFlags.ScaleAgeMismatch));
    }

    // ICANS-MISSING: no ICE (neither a score nor "not possible") is never a silent 0.
    private static IEnumerable<TestCaseData> MissingIce()
    {
        yield return Case("S11_IcansMissing_AdultAlertNoIce_NotGradable_IceMissing",
            new IcansInput { AgeYears = 45, Consciousness = Consciousness.Alert },
            Expected.NotGradable(NotGradableReasons.IceMissing, "ICANS-MISSING"));
        yield return Case("S12_IcansMissing_Child7AlertNoCapd_NotGradable_CapdMissing",
            new IcansInput { AgeYears = 7, Consciousness = Consciousness.Alert },
            Expected.NotGradable(NotGradableReasons.CapdMissing, "ICANS-MISSING"));
        yield return Case("S13_IcansMissing_NoIceButAFocalSeizure_Grade3_LowerBound_FlagIncompleteAssessment",
            new IcansInput { AgeYears = 45, Consciousness = Consciousness.Alert, Seizure = Seizure.RapidlyResolving },
            Expected.Graded(3, "ICANS-MISSING").WithFlags(GradeFlags.IncompleteAssessment));
        yield return Case("IcansMissing_NoIceAwakensToVoice_Grade2_FlagIncompleteAssessment",
            new IcansInput { AgeYears = 45, Consciousness = Consciousness.AwakensToVoice },
            Expected.Graded(2, "ICANS-MISSING").WithFlags(GradeFlags.IncompleteAssessment));
        yield return Case("IcansMissing_IceNotPossibleUnarousable_IsRecorded_Grade4",
            new IcansInput { AgeYears = 45, IceNotPossibleReason = IceNotPossibleReason.Unarousable, Consciousness = Consciousness.Unarousable },
            Expected.Graded(4, "ICANS-ICE0"));
        yield return Case("S14_IcansMissing_Ice0ConsciousnessNotRecorded_IceDomain3_FlagIncompleteAssessment",
            new IcansInput { AgeYears = 45, IceScore = 0 },
            Expected.Graded(3, "ICANS-ICE0").WithFlags(GradeFlags.IncompleteAssessment).WithDomain("ice", 3));
        yield return Case("IcansMissing_Ice0Alert_IceDomain3_Complete",
            new IcansInput { AgeYears = 45, IceScore = 0, Consciousness = Consciousness.Alert },
            Expected.Graded(3, "ICANS-ICE0").WithDomain("ice", 3));
    }

    [Test]
    public void IcansMissing_TheTextsSayLowerBound_AndNeverCallAnUnrecordedPatientAwake()
    {
        var seizure = Grade(new IcansInput { AgeYears = 45, Seizure = Seizure.RapidlyResolving });
        var ice0 = Grade(new IcansInput { AgeYears = 45, IceScore = 0 });
        var awake = Grade(new IcansInput { AgeYears = 45, IceScore = 0, Consciousness = Consciousness.Alert });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seizure.Rules.Single(r => r.Id == "ICANS-MISSING").Text, Does.Contain("lower bound"));
            Assert.That(ice0.Rules.Single(r => r.Id == "ICANS-ICE0").Text, Does.Contain("lower bound").And.Not.Contain("awake"));
            Assert.That(ice0.Flags, Does.Contain(GradeFlags.IncompleteAssessment));
            Assert.That(awake.Flags, Does.Not.Contain(GradeFlags.IncompleteAssessment));
        }
    }

    // ICANS-EXCL (added): with a haemorrhage recorded every raised-ICP sign keeps its grade and carries the flag.
    private static IEnumerable<TestCaseData> HaemorrhageAdded()
    {
        var haemorrhage = new[] { ExcludedFinding.IntracranialHaemorrhage };
        yield return Case("S15_IcansExcl_HaemorrhageWithFocalEdema_Grade3_FlagEdemaWithHaemorrhage",
            AdultIce(10) with { ExcludedFindings = haemorrhage, Icp = [IcpFinding.FocalEdema] },
            Expected.Graded(3, "ICANS-EXCL", "ICANS-ICP").WithFlags(GradeFlags.EdemaWithHaemorrhage).WithDomain("icp", 3));
        yield return Case("IcansExcl_HaemorrhageWithCranialNerveVIPalsy_Grade4_FlagEdemaWithHaemorrhage",
            AdultIce(10) with { ExcludedFindings = haemorrhage, Icp = [IcpFinding.CranialNerveVIPalsy] },
            Expected.Graded(4, "ICANS-ICP").WithFlags(GradeFlags.EdemaWithHaemorrhage));
        yield return Case("IcansExcl_FocalEdemaWithoutHaemorrhage_Grade3_NoFlag",
            AdultIce(10) with { Icp = [IcpFinding.FocalEdema] },
            Expected.Graded(3, "ICANS-ICP"));
    }

    // CAPD-BASELINE-HIGH: a baseline of 9 or more; equal → 0 baseline-limited, above → 3.
    private static IEnumerable<TestCaseData> CapdBaselineHigh()
    {
        IcansInput Child(int capd, int baseline) => new() { AgeYears = 7, CapdScore = capd, CapdBaseline = baseline, Consciousness = Consciousness.Alert };
        yield return Case("S16_CapdBaselineHigh_Baseline12Capd12_Domain0_FlagBaselineLimited",
            Child(12, 12), Expected.Graded(0, "CAPD-BASELINE-HIGH").WithFlags(GradeFlags.BaselineLimited).WithDomain("capd", 0));
        yield return Case("S17_CapdBaselineHigh_Baseline12Capd13_Grade3",
            Child(13, 12), Expected.Graded(3, "CAPD-BASELINE-HIGH").WithFlags(GradeFlags.BaselineLimited).WithDomain("capd", 3));
        yield return Case("CapdBaselineHigh_Baseline9Capd9_Domain0",
            Child(9, 9), Expected.Graded(0, "CAPD-BASELINE-HIGH").WithFlags(GradeFlags.BaselineLimited));
        yield return Case("CapdBaselineHigh_Baseline9Capd10_Grade3",
            Child(10, 9), Expected.Graded(3, "CAPD-BASELINE-HIGH").WithFlags(GradeFlags.BaselineLimited));
        yield return Case("CapdBaselineHigh_Baseline8Capd9_NotHigh_Capd3_Grade3",
            Child(9, 8), Expected.Graded(3, "CAPD-3"));
        yield return Case("CapdBaselineHigh_Baseline8Capd8_NotHigh_CapdLow_Domain0",
            Child(8, 8), Expected.Graded(0, "CAPD-LOW"));
    }

    // ICANS-CONTRA: the contradictions the edges refuse, each naming both fields; consistent answers pass.
    [Test]
    public void IcansContra_NotPossibleUnarousableWithAnotherLevel_NamesBothFields() =>
        AssertContradiction(new IcansInput { IceNotPossibleReason = IceNotPossibleReason.Unarousable, Consciousness = Consciousness.AwakensToVoice },
            "iceNotPossibleReason", "consciousness");

    [Test]
    public void IcansContra_IceScoreWithUnarousable_NamesBothFields() =>
        AssertContradiction(new IcansInput { IceScore = 0, Consciousness = Consciousness.Unarousable }, "iceScore", "consciousness");

    [Test]
    public void IcansContra_IceItemsWithUnarousable_NamesBothFields() =>
        AssertContradiction(new IcansInput { IceItems = IcePoints(), Consciousness = Consciousness.Unarousable }, "orientationYear", "consciousness");

    [Test]
    public void IcansContra_SedatedWithNotPossibleUnarousable_NamesBothFields() =>
        AssertContradiction(new IcansInput { Sedated = true, IceNotPossibleReason = IceNotPossibleReason.Unarousable }, "sedated", "iceNotPossibleReason");

    [Test]
    public void IcansContra_ConsistentAnswers_NoContradiction()
    {
        IcansInput[] consistent =
        [
            new() { IceNotPossibleReason = IceNotPossibleReason.Unarousable, Consciousness = Consciousness.Unarousable },
            new() { IceNotPossibleReason = IceNotPossibleReason.Unarousable },
            new() { Sedated = true, IceNotPossibleReason = IceNotPossibleReason.Sedated },
            new() { IceScore = 3, Consciousness = Consciousness.AwakensToTactile },
            new() { Consciousness = Consciousness.Unarousable },
        ];
        Assert.That(consistent.SelectMany(IcansContradictions.Of), Is.Empty);
    }

    private static void AssertContradiction(IcansInput input, string field, string other)
    {
        var found = IcansContradictions.Of(input);
        Assert.That(found, Has.Count.EqualTo(1));
        Assert.That((found[0].Field, found[0].OtherField), Is.EqualTo((field, other)));
        Assert.That(found[0].Text, Does.Contain(field == "orientationYear" ? "ICE items" : field).And.Contain(other).And.Contain("ICANS-CONTRA"));
    }
}
