using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;
using NUnit.Framework;
using static CrsMonitor.Grading.Tests.Given;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// Vignettes B01–B03: both scales through <see cref="AstctGrader.Evaluate"/>, graded independently. Adults are
/// age 45; an unstated SBP is 120 mmHg; "afebrile" is 36.8 °C.
/// </summary>
[TestFixture]
public sealed class BothScalesVignetteTests
{
    private static IEnumerable<TestCaseData> Vignettes()
    {
        yield return new TestCaseData(
                Febrile(38.7m) with { Oxygen = Cannula(3m) },
                AdultIce(5),
                Expected.Graded(2, "CRS-O2"),
                Expected.Graded(2, "ICANS-ICE"))
            .SetName("B01_FeverNasalCannula3_Ice5Alert_Crs2_Icans2");

        // B02: oxygen unstated -> room air; no SBP with a running vasopressor.
        yield return new TestCaseData(
                new CrsInput
                {
                    CrsEstablished = true,
                    FeverTherapyGiven = true,
                    Temperature = Celsius(37.2m),
                    Vasoactives = [Running(VasoactiveAgent.Norepinephrine)],
                    Oxygen = RoomAir,
                },
                new IcansInput
                {
                    AgeYears = 45,
                    IceNotPossibleReason = IceNotPossibleReason.Unarousable,
                    Consciousness = Consciousness.Unarousable,
                },
                Expected.Graded(3, "CRS-MASK", "CRS-VASO"),
                Expected.Graded(4, "ICANS-ICE0"))
            .SetName("B02_EstablishedCrsAfterTocilizumab_AfebrileNorepinephrine_UnarousableNotSedated_Crs3_Icans4");

        // B03: the CRS episode closed two days ago, so no CRS is established any more (CRS-MASK, section 5).
        yield return new TestCaseData(
                AfebrileNormal(),
                AdultIce(4),
                Expected.Graded(0, "CRS-GATE"),
                Expected.Graded(2, "ICANS-ICE"))
            .SetName("B03_CrsResolvedAfebrileRoomAir_Ice4Alert_Crs0_Icans2");
    }

    [TestCaseSource(nameof(Vignettes))]
    public void Vignette(CrsInput crs, IcansInput icans, Expected expectedCrs, Expected expectedIcans)
    {
        var assessment = AstctGrader.Evaluate(crs, icans);
        using (Assert.EnterMultipleScope())
        {
            GradeAssert.Matches(assessment.Crs, expectedCrs);
            GradeAssert.Matches(assessment.Icans, expectedIcans);
        }
    }

    [Test]
    public void Scales_AreGradedIndependently_OneScaleAloneGivesNoResultForTheOther()
    {
        var crsOnly = AstctGrader.Evaluate(Febrile(), null);
        var icansOnly = AstctGrader.Evaluate(null, AdultIce(5));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crsOnly.Icans, Is.Null);
            Assert.That(crsOnly.Crs?.Grade, Is.EqualTo(1));
            Assert.That(icansOnly.Crs, Is.Null);
            Assert.That(icansOnly.Icans?.Grade, Is.EqualTo(2));
        }
    }
}
