using CrsMonitor.Grading.Icans;
using NUnit.Framework;
using static CrsMonitor.Grading.Tests.Given;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// Every ICANS vignette of vignettes.md (I01–I33), one named test each. Adults are age 45 (the vignettes say
/// "adult"), children are the age given. A consciousness level the vignette leaves implicit next to an ICE score
/// is <c>alert</c>; where a vignette names only one finding (I15, I16, I20, I22–I24) no ICE or consciousness is
/// recorded, so the grade must come from the finding alone.
/// </summary>
[TestFixture]
public sealed class IcansVignetteTests
{
    private static readonly IcansInput Adult = new() { AgeYears = 45 };
    private static readonly IcansInput Child7 = new() { AgeYears = 7 };

    private static TestCaseData Case(string name, IcansInput input, Expected expected) =>
        new TestCaseData(input, expected).SetName(name);

    private static IEnumerable<TestCaseData> Vignettes()
    {
        // I01–I07: the ICE domain, alert patient.
        yield return Case("I01_Ice10Alert_Grade0", AdultIce(10),
            Expected.Graded(0, "ICANS-ICE", "ICANS-LOC", "ICANS-MAX").WithDomain("ice", 0).WithDomain("consciousness", 0));
        yield return Case("I02_Ice9FailsWritingOnlyAlert_Grade1",
            Adult with { IceItems = IcePoints(writing: false), Consciousness = Consciousness.Alert },
            Expected.Graded(1, "ICANS-ICE").WithDomain("ice", 1));
        yield return Case("I03_Ice7Alert_Grade1", AdultIce(7), Expected.Graded(1, "ICANS-ICE").WithDomain("ice", 1));
        yield return Case("I04_Ice6Alert_Grade2", AdultIce(6), Expected.Graded(2, "ICANS-ICE").WithDomain("ice", 2));
        yield return Case("I05_Ice3Alert_Grade2", AdultIce(3), Expected.Graded(2, "ICANS-ICE").WithDomain("ice", 2));
        yield return Case("I06_Ice2Alert_Grade3", AdultIce(2), Expected.Graded(3, "ICANS-ICE").WithDomain("ice", 3));
        yield return Case("I07_Ice0AwakeWithGlobalAphasia_Grade3", AdultIce(0),
            Expected.Graded(3, "ICANS-ICE0").WithDomain("ice", 3).WithDomain("consciousness", 0));

        // I08–I11: consciousness (ICANS-LOC) and ICE not possible (ICANS-ICE0).
        yield return Case("I08_IceNotPossibleUnarousableNoSedatives_Grade4",
            Adult with { IceNotPossibleReason = IceNotPossibleReason.Unarousable, Consciousness = Consciousness.Unarousable },
            Expected.Graded(4, "ICANS-ICE0", "ICANS-LOC").WithDomain("ice", 4).WithDomain("consciousness", 4));
        yield return Case("I09_Ice8AwakensToVoice_Grade2", AdultIce(8, Consciousness.AwakensToVoice),
            Expected.Graded(2, "ICANS-LOC").WithDomain("ice", 1).WithDomain("consciousness", 2));

        // I10: the model has no "ICE not possible because drowsy" reason; ICE is simply not recorded.
        yield return Case("I10_IceNotPossibleAwakensOnlyToTactile_Grade3",
            Adult with { Consciousness = Consciousness.AwakensToTactile },
            Expected.Graded(3, "ICANS-LOC").WithDomain("consciousness", 3));
        yield return Case("I11_NeedsVigorousOrRepetitiveTactileStimuli_Grade4",
            Adult with { Consciousness = Consciousness.Unarousable },
            Expected.Graded(4, "ICANS-LOC").WithDomain("consciousness", 4));

        // I12–I16: seizures (ICANS-SEIZURE), ICANS-MAX example of Lee 2019 in I12.
        yield return Case("I12_Ice3AndGeneralizedSeizureResolvedRapidly_Grade3",
            AdultIce(3) with { Seizure = Seizure.RapidlyResolving },
            Expected.Graded(3, "ICANS-SEIZURE", "ICANS-MAX").WithDomain("ice", 2).WithDomain("seizure", 3));
        yield return Case("I13_Ice9AndFocalSeizureResolvedRapidly_Grade3",
            AdultIce(9) with { Seizure = Seizure.RapidlyResolving },
            Expected.Graded(3, "ICANS-SEIZURE").WithDomain("seizure", 3));
        yield return Case("I14_Ice8AndNonconvulsiveSeizuresOnEegResolvedWithIntervention_Grade3",
            AdultIce(8) with { Seizure = Seizure.NonconvulsiveResolvedWithIntervention },
            Expected.Graded(3, "ICANS-SEIZURE").WithDomain("seizure", 3));
        yield return Case("I15_ClinicalSeizureLasting7Minutes_Grade4",
            Adult with { Seizure = Seizure.ProlongedOver5Min },
            Expected.Graded(4, "ICANS-SEIZURE").WithDomain("seizure", 4));
        yield return Case("I16_RepetitiveSeizuresWithoutReturnToBaseline_Grade4",
            Adult with { Seizure = Seizure.RepetitiveWithoutRecovery },
            Expected.Graded(4, "ICANS-SEIZURE").WithDomain("seizure", 4));

        // I17–I18: motor findings and exclusions.
        yield return Case("I17_Ice10NewHemiparesis_Grade4",
            AdultIce(10) with { Motor = MotorFinding.DeepFocalWeakness },
            Expected.Graded(4, "ICANS-MOTOR").WithDomain("motor", 4));
        yield return Case("I18_Ice10AlertTremorAndMyoclonusOnly_Grade0",
            AdultIce(10) with { ExcludedFindings = [ExcludedFinding.Tremor, ExcludedFinding.Myoclonus] },
            Expected.Graded(0, "ICANS-EXCL", "ICANS-MAX"));

        // I19–I24: raised ICP / cerebral edema (ICANS-ICP).
        yield return Case("I19_Ice6AndFocalEdemaOnMri_Grade3",
            AdultIce(6) with { Icp = [IcpFinding.FocalEdema] },
            Expected.Graded(3, "ICANS-ICP").WithDomain("icp", 3));
        yield return Case("I20_DiffuseCerebralEdemaOnCt_Grade4",
            Adult with { Icp = [IcpFinding.DiffuseEdema] },
            Expected.Graded(4, "ICANS-ICP").WithDomain("icp", 4));
        yield return Case("I21_Ice7AndPapilledema_Grade4",
            AdultIce(7) with { Icp = [IcpFinding.Papilledema] },
            Expected.Graded(4, "ICANS-ICP").WithDomain("ice", 1).WithDomain("icp", 4));
        yield return Case("I22_NewCranialNerveVIPalsy_Grade4",
            Adult with { Icp = [IcpFinding.CranialNerveVIPalsy] },
            Expected.Graded(4, "ICANS-ICP").WithDomain("icp", 4));
        yield return Case("I23_CushingsTriad_Grade4",
            Adult with { Icp = [IcpFinding.CushingTriad] },
            Expected.Graded(4, "ICANS-ICP").WithDomain("icp", 4));
        yield return Case("I24_DecorticatePosturing_Grade4",
            Adult with { Icp = [IcpFinding.Posturing] },
            Expected.Graded(4, "ICANS-ICP").WithDomain("icp", 4));

        // I25: "intracranial haemorrhage with edema": the haemorrhage finding (its edema is part of what the haemorrhage
        // excludes: ICANS-EXCL, "with or without edema"), no raised-ICP sign recorded of its own. A raised-ICP sign
        // recorded beside a haemorrhage keeps its grade with a review flag (ICANS-EXCL added; AuditRuleTests).
        yield return Case("I25_IntracranialHaemorrhageWithEdemaIce10Alert_Grade0",
            AdultIce(10) with { ExcludedFindings = [ExcludedFinding.IntracranialHaemorrhage] },
            Expected.Graded(0, "ICANS-EXCL").WithDomain("icp", 0));

        // I26: propofol, unarousable, nothing else positive.
        yield return Case("I26_PropofolUnarousableNoOtherFinding_NotGradable_Sedated",
            Adult with
            {
                Sedated = true,
                Consciousness = Consciousness.Unarousable,
                Seizure = Seizure.None,
                Motor = MotorFinding.None,
                Icp = [],
            },
            Expected.NotGradable(NotGradableReasons.Sedated, "ICANS-SEDATION")
                .WithDomain("ice", DomainStatus.NotAssessable).WithDomain("consciousness", DomainStatus.NotAssessable));
        yield return Case("I27_BaselineIce8LanguageBarrierCurrentIce8Alert_Grade0_FlagBaselineLimited",
            AdultIce(8) with { BaselineIceScore = 8 },
            Expected.Graded(0, "ICANS-BASELINE").WithFlags(GradeFlags.BaselineLimited).WithDomain("ice", 0));

        // I28: exactly the default threshold age: ICE is used (the ice-age-threshold flag is asserted in BoundaryTests).
        yield return Case("I28_Age12Ice6Alert_Grade2",
            new IcansInput { AgeYears = 12, IceScore = 6, Consciousness = Consciousness.Alert },
            Expected.Graded(2, "ICANS-AGE", "ICANS-ICE").WithDomain("ice", 2));

        // I29–I33: children under 12, CAPD. I29 has no baseline (irrelevant at CAPD >= 9).
        yield return Case("I29_Age7Capd10AwakensSpontaneously_Grade3",
            Child7 with { CapdScore = 10, Consciousness = Consciousness.AwakensSpontaneously },
            Expected.Graded(3, "ICANS-AGE", "CAPD-3").WithDomain("capd", 3).WithDomain("consciousness", 1));
        yield return Case("I30_Age7Capd6Baseline0AwakensSpontaneously_Grade1",
            Child7 with { CapdScore = 6, CapdBaseline = 0, Consciousness = Consciousness.AwakensSpontaneously },
            Expected.Graded(1, "CAPD-LOW", "ICANS-LOC").WithDomain("capd", 1).WithDomain("consciousness", 1));
        yield return Case("I31_Age7Capd6Baseline0AwakensToVoice_Grade2",
            Child7 with { CapdScore = 6, CapdBaseline = 0, Consciousness = Consciousness.AwakensToVoice },
            Expected.Graded(2, "CAPD-LOW", "ICANS-LOC").WithDomain("capd", 1).WithDomain("consciousness", 2));

        // I32: the model has no CAPD-specific "not possible" field; unarousable consciousness with no CAPD score.
        yield return Case("I32_Age7UnarousableNotSedatedCapdImpossible_Grade4",
            Child7 with { Consciousness = Consciousness.Unarousable },
            Expected.Graded(4, "CAPD-4").WithDomain("capd", 4));
        yield return Case("I33_Age7DexmedetomidineRassMinus4CapdNotDone_NotGradable_Sedated",
            Child7 with { Sedated = true },
            Expected.NotGradable(NotGradableReasons.Sedated, "ICANS-SEDATION", "CAPD-4")
                .WithDomain("capd", DomainStatus.NotAssessable).WithDomain("consciousness", DomainStatus.NotAssessable));
    }

    [TestCaseSource(nameof(Vignettes))]
    public void Vignette(IcansInput input, Expected expected) =>
        GradeAssert.Matches(Grade(input), expected);

    [Test]
    public void EveryIcansVignetteI01ToI33IsATest()
    {
        var ids = Vignettes().Select(c => c.TestName![..3]).Distinct().ToList();
        Assert.That(ids, Is.EquivalentTo(Enumerable.Range(1, 33).Select(i => $"I{i:00}")));
    }
}
